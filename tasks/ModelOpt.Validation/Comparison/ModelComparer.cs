using System.Diagnostics;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Runs the original and the candidate over a <see cref="SampleSet"/>, batch by batch (one batch in
/// memory at a time), and accumulates accuracy, top-1 agreement and per-output error; then times both
/// interleaved on one batch.
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

        var stats = names.Select(n => new OutputStatistics(n)).ToArray();
        long positions = 0;
        int done = 0, agree = 0, baselineCorrect = 0, candidateCorrect = 0;
        double runtime = 0;
        IReadOnlyList<TensorData>? firstBatch = null;
        var steppedA = new StatefulRunner(baseline, settings.State);
        var steppedB = new StatefulRunner(candidate, settings.State);
        foreach (var batch in samples.Batches(BatchSizeFor(baseline, settings.BatchSize)))
        {
            firstBatch ??= batch;
            long t0 = Stopwatch.GetTimestamp();
            var a = steppedA.Run(batch, names);
            var b = steppedB.Run(batch, names);
            runtime += Stopwatch.GetElapsedTime(t0).TotalSeconds;
            long n = batch[0].Shape.Length > 0 ? batch[0].Shape[0] : 1;
            for (int k = 0; k < names.Length; k++)
            {
                var va = OutputValues.ToDoubles(a[k]);
                var vb = OutputValues.ToDoubles(b[k]);
                stats[k].Add(va, vb);
                if (k != 0) continue;
                // Agreement counts positions (frames, pixels) where the output has them; labels are per sample.
                // A mask's pixels agree when both sides put them on the same side of the original's threshold.
                double? threshold = OutputValues.IsMask(a[k].Shape) ? OutputValues.MaskThreshold(va) : null;
                var positionsA = OutputValues.Top1(va, a[k].Shape, n, threshold);
                var positionsB = OutputValues.Top1(vb, b[k].Shape, n, threshold);
                for (int p = 0; p < positionsA.Length && p < positionsB.Length; p++)
                    if (positionsA[p] == positionsB[p]) agree++;
                positions += positionsA.Length;
                if (labels is null) continue;
                var topA = OutputValues.Top1(va, n);
                var topB = OutputValues.Top1(vb, n);
                for (int s = 0; s < topA.Length; s++)
                {
                    if (topA[s] == labels[done + s]) baselineCorrect++;
                    if (topB[s] == labels[done + s]) candidateCorrect++;
                }
            }
            done += (int)n;
            settings.Progress?.Invoke(done, samples.Count);
        }

        LatencyResult? latencyA = null, latencyB = null;
        if (settings.LatencyRuns > 0 && firstBatch is not null)
        {
            var inputs = FirstSample(firstBatch, baseline);
            (latencyA, latencyB) = InterleavedLatency.Measure(() => baseline.Run(inputs, names), () => candidate.Run(inputs, names), settings.WarmupRuns, settings.LatencyRuns);
        }

        double total = Math.Max(done, 1);
        return new ComparisonResult(
            done,
            samples.Description,
            samples.IsSynthetic,
            labels is null ? null : 100.0 * baselineCorrect / total,
            labels is null ? null : 100.0 * candidateCorrect / total,
            positions == 0 ? 0 : (double)agree / positions,
            stats.Select(s => s.Result()).ToList(),
            latencyA,
            latencyB,
            runtime,
            Stopwatch.GetElapsedTime(started).TotalSeconds)
        {
            Session = baseline.Settings,
            Positions = positions,
        };
    }

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
