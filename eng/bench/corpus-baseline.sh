#!/usr/bin/env bash
# The corpus baseline of docs/benchmarks.md ("Corpus: new models as a new user brings them"): for each
# model of eng/fetch-corpus.sh, the three commands a new user tries, given only the model and its
# samples, each with its exit code, wall time and last lines; then, for every model written, the
# original and the written model timed interleaved by `validate` at default threads and at 1 thread.
#
#   bash eng/bench/corpus-baseline.sh [NAME...] > corpus-baseline.log
#
# Runs the Release build of the tool (dotnet build Build.sln -c Release first): the same program
# as `dotnet run --project tool/ModelOpt.Tool -c Release --`, without a build check per command.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tool=(dotnet "$root/tool/ModelOpt.Tool/bin/Release/net10.0/dotnet-model-opt.dll")
corpus="$root/.cache/corpus"
out="${CORPUS_OUT:-$(mktemp -d)}"
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(resnet18-opset8 minilm-l6 mlsd-tiny-512 blazeface-back-256 blazeface-front-128)

echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); vnni: $(grep -o -m1 avx512_vnni /proc/cpuinfo || echo no); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${names[@]}"; do
  model="$corpus/$name/model.onnx" samples="$corpus/$name/samples"
  for variant in plain freeze-quantize search; do
    case $variant in
      plain) extra=() ;;
      freeze-quantize) extra=(--passes freeze,quantize) ;;
      search) extra=(--search --min-cosine 0.99) ;;
    esac
    written="$out/$name.$variant.onnx"
    echo "## $name $variant: optimize MODEL -o OUT --data SAMPLES ${extra[*]}"
    start=$(date +%s%N)
    "${tool[@]}" optimize "$model" -o "$written" --data "$samples" "${extra[@]}" >"$out/$name.$variant.log" 2>&1
    rc=$?
    end=$(date +%s%N)
    echo "exit $rc, $(( (end - start) / 1000000000 )) s"
    tail -n 25 "$out/$name.$variant.log"
    if [[ $rc -eq 0 && -s "$written" && $variant != plain ]]; then
      for threads in 0 1; do
        echo "### validate (interleaved latency, --threads $threads)"
        "${tool[@]}" validate "$model" "$written" --data "$samples" --threads "$threads" --runs 20 2>&1 | grep -i -E "latency|speed|cosine|size|flops" | head -n 8
      done
    fi
  done
done
echo "# written models and logs in $out"
