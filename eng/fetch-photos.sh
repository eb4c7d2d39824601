#!/usr/bin/env bash
# Real photographs for the image-to-image benchmarks (ISNet background removal), fetched with
# `apt-get download` (nothing is installed) and turned into 1×3×1024×1024 float32 .npy samples,
# normalized as the ISNet publisher does ((x − 128) / 256 per RGB channel), stretched to 1024² as it does:
# - ukui-wallpapers (GPL-2+; 12 photos and renders of 1920×1080 and up): every third image to
#   .cache/photos/isnet/calib/ (4), the other 8 to .cache/photos/isnet/judge/;
# - mate-backgrounds (GPL-2+ and CC; its nature/ folder: 12 photographs, flowers, insects, landscapes):
#   all to calib/, so calibration and the search see photographs with a subject, as a
#   background-removal app does (ukui's calibration third is mostly renders without one).
# Calibration and judgement never share a photo. Needs apt-get, netpbm (anytopnm, pamscale;
# `apt-get install netpbm`) and node. Idempotent: does nothing when both folders hold these sources.
set -euo pipefail

PACKAGE="ukui-wallpapers"
CALIBRATION_PACKAGE="mate-backgrounds"
SOURCES="$PACKAGE (every third: calib, the rest: judge); $CALIBRATION_PACKAGE nature/ (calib)"
# PHOTO_SIDE=N writes N×N samples to .cache/photos/isnet-N/ instead (quicker exploratory runs).
SIDE="${PHOTO_SIDE:-1024}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/.cache/photos/isnet"
(( SIDE != 1024 )) && dest="$dest-$SIDE"

if [[ -n "$(ls "$dest/judge" 2>/dev/null)" && "$(cat "$dest/SOURCES" 2>/dev/null)" == "$SOURCES" ]]; then
  echo "$dest"
  exit 0
fi
for tool in apt-get dpkg-deb anytopnm pamscale pamdepth node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-photos: $tool is not installed (netpbm: apt-get install netpbm)." >&2
    exit 2
  fi
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for package in "$PACKAGE" "$CALIBRATION_PACKAGE"; do
  if ! (cd "$work" && apt-get download "$package" >"$work/download.log" 2>&1); then
    echo "fetch-photos: apt-get could not download $package (run apt-get update first?):" >&2
    head -n 3 "$work/download.log" >&2
    exit 3
  fi
  dpkg-deb -x "$work"/"$package"_*.deb "$work/$package"
done
rm -rf "$dest/calib.tmp" "$dest/judge.tmp"
mkdir -p "$dest/calib.tmp" "$dest/judge.tmp"

# to_npy IMAGE PART: one photo, stretched to SIDE², as a float32 NCHW .npy in PART.tmp/.
to_npy() {
  local image="$1" part="$2" name
  name="$(basename "${image%.*}")"
  anytopnm "$image" 2>/dev/null | pamscale -width "$SIDE" -height "$SIDE" 2>/dev/null | pamdepth 255 2>/dev/null >"$work/$name.ppm"
  # PPM (P6, RGB bytes, row-major) → float32 NCHW .npy.
  node - "$work/$name.ppm" "$dest/$part.tmp/$name.npy" <<'JS'
const fs = require('fs');
const [src, out] = process.argv.slice(2);
const buf = fs.readFileSync(src);
// Header: "P6" width height maxval, separated by whitespace, then one whitespace byte.
let pos = 0; const fields = [];
while (fields.length < 4) {
  while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
  let start = pos;
  while (!/\s/.test(String.fromCharCode(buf[pos]))) pos++;
  fields.push(buf.toString('ascii', start, pos));
}
pos++;
const [magic, w, h, maxval] = [fields[0], +fields[1], +fields[2], +fields[3]];
if (magic !== 'P6' || maxval !== 255) { console.error(`fetch-photos: ${src} is not an 8-bit RGB PPM`); process.exit(4); }
const plane = w * h, data = new Float32Array(3 * plane);
for (let p = 0; p < plane; p++)
  for (let c = 0; c < 3; c++) data[c * plane + p] = (buf[pos + 3 * p + c] - 128) / 256;
let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, ${h}, ${w}), }`;
header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
const pre = Buffer.alloc(10);
pre.write('\x93NUMPY', 0, 'latin1'); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
fs.writeFileSync(out, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
JS
}

i=0
while IFS= read -r image; do
  part=judge
  (( i % 3 == 0 )) && part=calib
  to_npy "$image" "$part"
  i=$((i + 1))
done < <(find "$work/$PACKAGE/usr/share/backgrounds" -type f \( -name '*.jpg' -o -name '*.png' \) | sort)
if (( i == 0 )); then
  echo "fetch-photos: $PACKAGE holds no photos under /usr/share/backgrounds." >&2
  exit 4
fi
j=0
while IFS= read -r image; do
  to_npy "$image" calib
  j=$((j + 1))
done < <(find "$work/$CALIBRATION_PACKAGE/usr/share/backgrounds/mate/nature" -type f -name '*.jpg' | sort)
if (( j == 0 )); then
  echo "fetch-photos: $CALIBRATION_PACKAGE holds no photos under /usr/share/backgrounds/mate/nature." >&2
  exit 4
fi
rm -rf "$dest/calib" "$dest/judge"
mv "$dest/calib.tmp" "$dest/calib"
mv "$dest/judge.tmp" "$dest/judge"
echo "$SOURCES" >"$dest/SOURCES"
echo "$dest"
