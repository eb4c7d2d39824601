using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Running per-channel (axis 1) means of activations over the calibration stream, for bias
/// correction: a quantized conv's expected output shifts by (W_q − W)·E[x]. Memory is two numbers
/// per channel, whatever the number of samples.
/// </summary>
public sealed class ChannelMeans(IEnumerable<string> names)
{
    private readonly Dictionary<string, (double[] Sums, long Count)> sums = names.Distinct(StringComparer.Ordinal)
        .ToDictionary(n => n, _ => (Array.Empty<double>(), 0L), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => sums.Keys;

    public void Add(string name, Tensor tensor)
    {
        if (!sums.TryGetValue(name, out var entry) || tensor.Dims.Length < 2) return;
        var span = tensor.Span<float>();
        int channels = (int)tensor.Dims[1];
        long batch = tensor.Dims[0], inner = tensor.Dims.Skip(2).Aggregate(1L, (a, d) => a * d);
        if (channels <= 0 || batch * channels * inner != span.Length) return;
        var s = entry.Sums.Length == channels ? entry.Sums : entry.Count == 0 ? new double[channels] : null;
        if (s is null) return;   // a different channel count than before: not one conv input
        for (long n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
            {
                int start = (int)((n * channels + c) * inner);
                s[c] += System.Numerics.Tensors.TensorPrimitives.Sum(span.Slice(start, (int)inner));
            }
        sums[name] = (s, entry.Count + batch * inner);
    }

    /// <summary>The mean of each channel, or null when the tensor was never seen.</summary>
    public double[]? Mean(string name) =>
        sums.TryGetValue(name, out var e) && e.Count > 0 ? e.Sums.Select(v => v / e.Count).ToArray() : null;
}
