#!/usr/bin/env bash
# Builds the two packages into artifacts/packages:
#   ModelOpt.Build     the MSBuild task (its publish output under tasks/, build/ props and targets)
#   dotnet-model-opt   the .NET tool (dotnet model-opt)
#
# Versions (docs/msbuild.md, "Version scheme"): every local pack gets its own version, because
# NuGet's global package cache keeps the first copy of an id+version forever and would otherwise
# silently hand out an older build of the same number:
#   default               VERSION-dev.HEIGHT.gSHA          e.g. 0.1.0-dev.214.gfa318cc
#                         VERSION-dev.HEIGHT.gSHA.dirty.T  with uncommitted changes (T: UTC yyyyMMddHHmmss)
#   --version-suffix S    VERSION-S   (the integration tests pass a content hash: 0.1.0-t1a2b3c4d5e6)
#   --release             VERSION     (a published release)
# VERSION is Directory.Build.props' <Version>; HEIGHT the number of commits in HEAD's history, so a
# later commit always sorts higher (Version="0.1.0-dev.*" picks the newest). Without git: VERSION-dev.0.T.
# The packages build under artifacts/pack/ (bin, obj), so packing never disturbs a developer's build.
# The last line printed is the version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

suffix=""
release=false
output="$root/artifacts/packages"
while [ $# -gt 0 ]; do
  case "$1" in
    --version-suffix) suffix="$2"; shift 2 ;;
    --release) release=true; shift ;;
    --output|-o) output="$2"; shift 2 ;;
    -h|--help) echo "usage: eng/pack.sh [--version-suffix SUFFIX | --release] [--output DIR]"; exit 0 ;;
    *) echo "error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)"
if [ -z "$version" ]; then echo "error: no <Version> in Directory.Build.props" >&2; exit 2; fi
if [ -n "$suffix" ] && [ "$release" = true ]; then echo "error: --version-suffix and --release exclude each other" >&2; exit 2; fi

stamp="$(date -u +%Y%m%d%H%M%S)"
if [ -n "$suffix" ]; then
  version="$version-$suffix"
elif [ "$release" = false ]; then
  if git -C "$root" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    height="$(git -C "$root" rev-list --count HEAD)"
    sha="$(git -C "$root" rev-parse --short=7 HEAD)"
    version="$version-dev.$height.g$sha"
    # Uncommitted changes make a different package from the same commit: give it its own version too.
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- . ':!artifacts' 2>/dev/null)" ]; then
      version="$version.dirty.$stamp"
    fi
  else
    version="$version-dev.0.$stamp"
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$output"
for project in tasks/ModelOpt.Build/ModelOpt.Build.csproj tool/ModelOpt.Tool/ModelOpt.Tool.csproj; do
  dotnet pack "$project" --configuration Release --artifacts-path "$root/artifacts/pack" --output "$output" \
    -p:Version="$version" -nodeReuse:false -v:m -clp:NoSummary
done
echo "$version"
