using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Ranges of activations from streamed calibration batches. A first pass keeps a running min/max
/// per tensor; percentile and entropy add a second pass filling a fixed-size histogram over that
/// range. Memory is two floats plus 2,048 counters per tensor, whatever the number of samples.
/// </summary>
public static class ActivationCalibrator
{
    /// <summary>
    /// The ranges of one rule. "auto" needs the quantized model to choose (<see cref="CalibrationChoice"/>);
    /// without it, it reads as MinMax, the rule it falls back to.
    /// </summary>
    public static Dictionary<string, TensorRange> Ranges(Model model, IReadOnlyCollection<string> names, IActivationSource source,
        QuantizeSettings settings, ChannelMeans? means = null)
    {
        var method = settings.Calibration == CalibrationMethod.Auto ? CalibrationMethod.MinMax : settings.Calibration;
        return Collect(model, names, source, method, means).Ranges(method, settings.Percentile);
    }

    /// <summary>
    /// The statistics <paramref name="method"/> needs: min/max always; the signed histogram for
    /// percentile and mse (and for auto, whose candidates are min/max, percentiles and mse); the histogram of
    /// magnitudes for entropy.
    /// </summary>
    public static ActivationStatistics Collect(Model model, IReadOnlyCollection<string> names, IActivationSource source,
        CalibrationMethod method, ChannelMeans? means = null)
    {
        var min = names.ToDictionary(n => n, _ => float.PositiveInfinity, StringComparer.Ordinal);
        var max = names.ToDictionary(n => n, _ => float.NegativeInfinity, StringComparer.Ordinal);
        foreach (var batch in source.Stream(model, names))
        {
            foreach (var (name, tensor) in batch)
            {
                if (!min.ContainsKey(name) || tensor.DataType != TensorProto.Types.DataType.Float) continue;
                var span = tensor.Span<float>();
                if (span.IsEmpty) continue;
                float lo = System.Numerics.Tensors.TensorPrimitives.Min(span), hi = System.Numerics.Tensors.TensorPrimitives.Max(span);
                means?.Add(name, tensor);
                if (lo < min[name]) min[name] = lo;
                if (hi > max[name]) max[name] = hi;
            }
        }
        var full = names.Where(n => float.IsFinite(min[n]) && float.IsFinite(max[n]))
            .ToDictionary(n => n, n => new TensorRange(min[n], max[n]), StringComparer.Ordinal);
        if (method == CalibrationMethod.MinMax) return new ActivationStatistics(full, null, Magnitudes: false);

        bool entropy = method == CalibrationMethod.Entropy;
        var histograms = full.ToDictionary(kv => kv.Key, kv => entropy
            ? new RunningHistogram(0, Math.Max(Math.Abs(kv.Value.Min), Math.Abs(kv.Value.Max)))
            : new RunningHistogram(kv.Value.Min, kv.Value.Max), StringComparer.Ordinal);
        var scratch = Array.Empty<float>();
        foreach (var batch in source.Stream(model, histograms.Keys.ToArray()))
        {
            foreach (var (name, tensor) in batch)
            {
                if (!histograms.TryGetValue(name, out var histogram) || tensor.DataType != TensorProto.Types.DataType.Float) continue;
                var span = tensor.Span<float>();
                if (entropy)
                {
                    if (scratch.Length < span.Length) scratch = new float[span.Length];
                    System.Numerics.Tensors.TensorPrimitives.Abs(span, scratch);
                    histogram.Add(scratch.AsSpan(0, span.Length));
                }
                else histogram.Add(span);
            }
        }
        return new ActivationStatistics(full, histograms, Magnitudes: entropy);
    }
}

/// <summary>
/// What one calibration pass saw of each tensor: its full range and, when collected, a histogram
/// (of the values, or of their magnitudes for entropy). Ranges for any method the histogram
/// supports come from it without streaming the samples again.
/// </summary>
public sealed record ActivationStatistics(
    IReadOnlyDictionary<string, TensorRange> Full, IReadOnlyDictionary<string, RunningHistogram>? Histograms, bool Magnitudes)
{
    public Dictionary<string, TensorRange> Ranges(CalibrationMethod method, double percentile)
    {
        var ranges = new Dictionary<string, TensorRange>(Full, StringComparer.Ordinal);
        if (method is CalibrationMethod.MinMax or CalibrationMethod.Auto) return ranges;
        var histograms = Histograms ?? throw new InvalidOperationException($"{method} calibration needs the histogram pass");
        if ((method == CalibrationMethod.Entropy) != Magnitudes)
            throw new InvalidOperationException($"{method} calibration needs a histogram of {(Magnitudes ? "values" : "magnitudes")}");
        foreach (var (name, histogram) in histograms)
        {
            var full = Full[name];
            if (method == CalibrationMethod.Entropy)
            {
                // Levels on one side of zero: a non-negative tensor (after ReLU) gets all 255 steps, a signed one about half.
                int levels = full.Min >= 0 ? 255 : 128;
                float t = EntropyThreshold.Search(histogram.Counts, histogram.BinWidth, levels);
                ranges[name] = new TensorRange(Math.Max(full.Min, -t), Math.Min(full.Max, t));
            }
            else if (method == CalibrationMethod.Mse) ranges[name] = MseRange.Search(histogram, full);
            else
            {
                double tail = 1 - percentile / 100;
                float lo = full.Min >= 0 ? full.Min : histogram.Quantile(tail), hi = histogram.Quantile(1 - tail);
                ranges[name] = new TensorRange(lo, Math.Max(hi, lo));
            }
        }
        return ranges;
    }
}
