using System.Diagnostics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Validation.Data;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Runs the original and the candidate over a <see cref="SampleSet"/>, batch by batch (one batch in
/// memory at a time), and accumulates per output its error and cosine (pooled and per sample) and,
/// where the output has a class axis, top-1 agreement per sample; with labels, each sample's
/// correctness under both models; then times both interleaved on one batch. What each output is
/// taken for is decided on the first batch (<see cref="OutputKindRule"/>) unless the user said.
/// </summary>
public static class ModelComparer
{
    public static ComparisonResult Compare(OrtModelRunner baseline, OrtModelRunner candidate, SampleSet samples, IReadOnlyList<long>? labels, ComparisonSettings? settings = null)
    {
        settings ??= new ComparisonSettings();
        long started = Stopwatch.GetTimestamp();
        if (labels is not null && labels.Count < samples.Count)
            throw new ModelOptException(ErrorCode.DataFileInvalid, null, $"there are {labels.Count} labels for {samples.Count} samples.");
        var names = settings.Outputs.Count > 0 ? settings.Outputs.ToArray() : baseline.Outputs.Select(o => o.Name).ToArray();
        var unknown = names.Where(n => baseline.Outputs.All(o => o.Name != n)).ToList();
        if (unknown.Count > 0)
            throw new ModelOptException(ErrorCode.UnknownOutputName, null, $"the original has no output(s) {string.Join(", ", unknown)} to compare; its outputs are: {string.Join(", ", baseline.Outputs.Select(o => o.Name))}.");
        var missing = names.Where(n => candidate.Outputs.All(o => o.Name != n)).ToList();
        if (missing.Count > 0)
            throw new ModelOptException(ErrorCode.RuntimeFailed, null, $"the candidate lacks the original's output(s) {string.Join(", ", missing)}, so the two cannot be compared.");
        var wrongKinds = settings.Kinds.Given.Keys.Where(n => !names.Contains(n)).ToList();
        if (wrongKinds.Count > 0)
            throw new ModelOptException(ErrorCode.UnknownOutputName, null, $"an output kind is given for {string.Join(", ", wrongKinds.Select(n => $"'{n}'"))}, which is not an output compared; the outputs compared are: {string.Join(", ", names)}.");

        var stats = names.Select(n => new OutputStatistics(n)).ToArray();
        var kinds = new (OutputKind Kind, string Why)[names.Length];
        bool kindsKnown = false;
        int done = 0;
        var baselineHits = labels is null ? null : new List<bool>();
        var candidateHits = labels is null ? null : new List<bool>();
        int accuracyOutput = -1;
        double runtime = 0;
        IReadOnlyList<TensorData>? firstBatch = null;
        var steppedA = new StatefulRunner(baseline, settings.State);
        var steppedB = new StatefulRunner(candidate, settings.State);
        int batchSize = BatchSizeFor(baseline, settings.BatchSize), batchIndex = 0;
        // The original's outputs are the same in every validation of a search: kept, unless a streaming state makes each batch depend on the last.
        var kept = settings.BaselineOutputs is { } cache && settings.BaselineKey is { } key && settings.State.IsEmpty ? (cache, key) : default;
        foreach (var batch in samples.Batches(batchSize))
        {
            firstBatch ??= batch;
            long t0 = Stopwatch.GetTimestamp();
            var a = kept.cache is { } cached
                ? cached.Get($"{kept.key}|{batchSize}|{batchIndex}|{string.Join(",", names)}", () => steppedA.Run(batch, names))
                : steppedA.Run(batch, names);
            batchIndex++;
            var b = steppedB.Run(batch, names);
            runtime += Stopwatch.GetElapsedTime(t0).TotalSeconds;
            // Samples in this batch: the batch axis of the first input, unless the set runs one at a time.
            int n = samples.OneAtATime ? 1 : (int)Math.Min(batch[0].Shape.Length > 0 ? batch[0].Shape[0] : 1, samples.Count - done);
            var values = new (double[] A, double[] B)[names.Length];
            for (int k = 0; k < names.Length; k++) values[k] = (OutputValues.ToDoubles(a[k]), OutputValues.ToDoubles(b[k]));
            if (!kindsKnown)
            {
                for (int k = 0; k < names.Length; k++)
                    kinds[k] = settings.Kinds.For(names[k]) is OutputKind given ? (given, "given")
                        : OutputKindRule.Detect(names[k], a[k].Shape, values[k].A, !IsFloat(a[k].ElementType), labels is not null && k == 0,
                            [.. a.Where((_, j) => j != k).Select(t => (IReadOnlyList<long>)t.Shape)], settings.State.OutputToInput.ContainsKey(names[k]));
                accuracyOutput = Array.FindIndex(kinds, x => x.Kind == OutputKind.Classes);
                kindsKnown = true;
            }
            for (int k = 0; k < names.Length; k++)
            {
                var (va, vb) = values[k];
                stats[k].Add(va, vb, n);
                if (kinds[k].Kind is not (OutputKind.Classes or OutputKind.Mask)) continue;
                // Agreement counts positions (frames, pixels) where the output has them; labels are per sample.
                // A mask's pixels agree when both sides put them on the same side of the original's threshold.
                double? threshold = kinds[k].Kind == OutputKind.Mask && OutputValues.IsMask(a[k].Shape) ? OutputValues.MaskThreshold(va) : null;
                var positionsA = OutputValues.Top1(va, a[k].Shape, n, threshold);
                var positionsB = OutputValues.Top1(vb, b[k].Shape, n, threshold);
                stats[k].AddAgreement(positionsA, positionsB, n);
                if (labels is null || k != accuracyOutput) continue;
                var topA = OutputValues.Top1(va, n);
                var topB = OutputValues.Top1(vb, n);
                for (int s = 0; s < n; s++)
                {
                    baselineHits!.Add(s < topA.Length && topA[s] == labels[done + s]);
                    candidateHits!.Add(s < topB.Length && topB[s] == labels[done + s]);
                }
            }
            done += n;
            settings.Progress?.Invoke(done, samples.Count);
        }

        LatencyResult? latencyA = null, latencyB = null;
        if (settings.LatencyRuns > 0 && firstBatch is not null)
        {
            var inputs = FirstSample(firstBatch, baseline);
            (latencyA, latencyB) = InterleavedLatency.Measure(() => baseline.Run(inputs, names), () => candidate.Run(inputs, names), settings.WarmupRuns, settings.LatencyRuns, settings.LatencyClock is { } clock ? clock.Time : null);
        }

        var outputs = stats.Select((s, k) => s.Result(kinds[k].Kind, kinds[k].Why)).ToList();
        bool accuracy = baselineHits is { Count: > 0 } && accuracyOutput >= 0;
        double total = Math.Max(done, 1);
        var classOutputs = outputs.Where(o => o.Agreement is not null).ToList();
        var lowest = classOutputs.MinBy(o => o.Agreement!.Value);
        return new ComparisonResult(
            done,
            samples.Description,
            samples.IsSynthetic,
            accuracy ? 100.0 * baselineHits!.Count(h => h) / total : null,
            accuracy ? 100.0 * candidateHits!.Count(h => h) / total : null,
            lowest?.Agreement ?? 1,
            outputs,
            latencyA,
            latencyB,
            runtime,
            Stopwatch.GetElapsedTime(started).TotalSeconds)
        {
            Session = baseline.Settings,
            Positions = lowest?.SamplePositions?.Sum() ?? 0,
            SampleNames = Enumerable.Range(0, done).Select(samples.NameOf).ToList(),
            BaselineHits = accuracy ? baselineHits : null,
            CandidateHits = accuracy ? candidateHits : null,
            AccuracyOutput = accuracy ? names[accuracyOutput] : null,
            LabelsGiven = labels is not null,
        };
    }

    private static bool IsFloat(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    // Latency is per run of one sample (or of the fixed batch a model demands), as a deployed model runs.
    private static IReadOnlyList<TensorData> FirstSample(IReadOnlyList<TensorData> batch, OrtModelRunner runner)
    {
        if (BatchSizeFor(runner, 1) != 1) return batch;
        // An input whose first dimension the model fixes (a state [2, batch, H]) has no batch axis to cut.
        var fixedFirst = runner.Inputs.Where(i => i.Dims.Length > 0 && i.Dims[0] is not null).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return batch.Select(t => t.Shape.Length == 0 || t.Shape[0] == 1 || fixedFirst.Contains(t.Name) ? t
            : new TensorData(t.Name, t.ElementType, [1, .. t.Shape[1..]], t.Bytes[..(int)(t.Bytes.Length / t.Shape[0])])).ToList();
    }

    // A model whose inputs fix the batch dimension takes exactly that many samples per run.
    internal static int BatchSizeFor(OrtModelRunner runner, int requested) =>
        runner.Inputs.Select(i => i.Dims.Length > 0 ? i.Dims[0] : null).FirstOrDefault(d => d is not null) is long fixedBatch ? (int)fixedBatch : requested;
}
