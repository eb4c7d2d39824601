#!/usr/bin/env bash
# Renders real document pages into model samples under .cache/pages/ and prints each set's folder.
#
#   bash eng/fetch-pages.sh [SET...]        (default: det640)
#
# Pages come from PDF manuals Debian ships (ghostscript-doc: GS9_Color_Management.pdf, 42 pages of
# text, tables and colour figures; maxima-doc: the Maxima book, 155 pages of text and formulas),
# rendered by poppler-utils' pdftoppm into .cache/pages/png<DPI>/. Both packages are installed with
# apt-get when missing (needs root, as on CI and the developer machines).
# Each SET is then cut by eng/ModelOpt.PageSamples into .cache/pages/SET/{calibration,heldout}/,
# one .npy sample (3xHxW float32) per page, every third chosen page held out, with manifest.txt
# saying which page went where. The choice and split are deterministic; a set whose manifest
# exists is reused without rendering or building anything.
#
# Sets:
#   det640     96 pages (64 calibration + 32 held-out), centred 640x640 window at 80 dpi,
#              PP-OCR det preprocessing (BGR, ImageNet mean/std)
#   rec48      160 text lines (one a page, those of every third page held out) cut at 150 dpi
#              by projection profiles, as PP-OCR rec reads them: 3x48x320, BGR, (x/255 - 0.5)/0.5
#   isnet1024  96 pages, centred 1024x1024 window at 120 dpi, RGB, (x - 0.5) / 1 (ISNet / imgly)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo_root/.cache/pages"
sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(det640)

set_args() {
  case "$1" in
    det640) echo "80 --width 640 --height 640 --count 96 --order bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225" ;;
    rec48) echo "150 --lines --per-page 1 --width 320 --height 48 --count 160" ;;
    isnet1024) echo "120 --width 1024 --height 1024 --count 96 --order rgb --mean 0.5,0.5,0.5 --std 1,1,1" ;;
    *) echo "fetch-pages: unknown set '$1' (known: det640, rec48, isnet1024)." >&2; return 2 ;;
  esac
}

gs_pdf=/usr/share/doc/ghostscript/GS9_Color_Management.pdf
maxima_pdf_gz=/usr/share/doc/maxima-doc/maximabook-19-Sept-2004.pdf.gz

ensure_packages() {
  local missing=()
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  [[ -s "$gs_pdf" ]] || missing+=(ghostscript-doc)
  [[ -s "$maxima_pdf_gz" ]] || missing+=(maxima-doc)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "fetch-pages: needs the Debian packages ${missing[*]} (install them with apt-get as root)." >&2
    return 3
  fi
  echo "fetch-pages: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

render() {
  local dpi="$1" dest="$cache/png$1"
  [[ -f "$dest/.complete" ]] && return 0
  ensure_packages
  local work
  work="$(mktemp -d)"
  zcat "$maxima_pdf_gz" >"$work/maximabook.pdf"
  mkdir -p "$work/png"
  pdftoppm -r "$dpi" -png "$gs_pdf" "$work/png/gs9-color"
  pdftoppm -r "$dpi" -png "$work/maximabook.pdf" "$work/png/maximabook"
  rm -rf "$dest"
  mkdir -p "$cache"
  touch "$work/png/.complete"
  mv "$work/png" "$dest"
  rm -rf "$work"
}

tool_built=0
for set in "${sets[@]}"; do
  read -r dpi args <<<"$(set_args "$set")"
  out="$cache/$set"
  if [[ ! -s "$out/manifest.txt" ]]; then
    render "$dpi"
    if [[ $tool_built -eq 0 ]]; then
      dotnet build "$repo_root/eng/ModelOpt.PageSamples" -c Release -v:q -nologo >&2
      tool_built=1
    fi
    # shellcheck disable=SC2086
    dotnet run --no-build -c Release --project "$repo_root/eng/ModelOpt.PageSamples" -- --pages "$cache/png$dpi" --out "$out" $args >&2
  fi
  echo "$out"
done
