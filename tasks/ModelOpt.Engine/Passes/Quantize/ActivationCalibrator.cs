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
    public static Dictionary<string, TensorRange> Ranges(Model model, IReadOnlyCollection<string> names, IActivationSource source,
        QuantizeSettings settings, ChannelMeans? means = null)
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
        var ranges = names.Where(n => float.IsFinite(min[n]) && float.IsFinite(max[n]))
            .ToDictionary(n => n, n => new TensorRange(min[n], max[n]), StringComparer.Ordinal);
        if (settings.Calibration == CalibrationMethod.MinMax) return ranges;

        bool entropy = settings.Calibration == CalibrationMethod.Entropy;
        var histograms = ranges.ToDictionary(kv => kv.Key, kv => entropy
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

        foreach (var (name, histogram) in histograms)
        {
            var full = ranges[name];
            if (entropy)
            {
                // Levels on one side of zero: a non-negative tensor (after ReLU) gets all 255 steps, a signed one about half.
                int levels = full.Min >= 0 ? 255 : 128;
                float t = EntropyThreshold.Search(histogram.Counts, histogram.BinWidth, levels);
                ranges[name] = new TensorRange(Math.Max(full.Min, -t), Math.Min(full.Max, t));
            }
            else
            {
                double tail = 1 - settings.Percentile / 100;
                float lo = full.Min >= 0 ? full.Min : histogram.Quantile(tail), hi = histogram.Quantile(1 - tail);
                ranges[name] = new TensorRange(lo, Math.Max(hi, lo));
            }
        }
        return ranges;
    }
}
