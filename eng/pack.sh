#!/usr/bin/env bash
# Builds the two packages into artifacts/packages:
#   ModelOpt.Build     the MSBuild task (its publish output under tasks/, build/ props and targets)
#   dotnet-model-opt   the .NET tool (dotnet model-opt)
# The version is Directory.Build.props' <Version>; --version-suffix S makes it VERSION-S (the
# integration tests use a content hash there, because NuGet's cache keeps the first copy of an id+version).
# The packages build under artifacts/pack/ (bin, obj), so packing never disturbs a developer's build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

suffix=""
output="$root/artifacts/packages"
while [ $# -gt 0 ]; do
  case "$1" in
    --version-suffix) suffix="$2"; shift 2 ;;
    --output|-o) output="$2"; shift 2 ;;
    -h|--help) echo "usage: eng/pack.sh [--version-suffix SUFFIX] [--output DIR]"; exit 0 ;;
    *) echo "error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)"
if [ -z "$version" ]; then echo "error: no <Version> in Directory.Build.props" >&2; exit 2; fi
if [ -n "$suffix" ]; then version="$version-$suffix"; fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$output"
for project in tasks/ModelOpt.Build/ModelOpt.Build.csproj tool/ModelOpt.Tool/ModelOpt.Tool.csproj; do
  dotnet pack "$project" --configuration Release --artifacts-path "$root/artifacts/pack" --output "$output" \
    -p:Version="$version" -nodeReuse:false -v:m -clp:NoSummary
done
echo "$version"
