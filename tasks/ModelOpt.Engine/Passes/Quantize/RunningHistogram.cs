namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// A fixed number of bins over a range fixed in advance (the min/max of a first pass), so memory is
/// bounded whatever the number of samples. Values outside the range fall into the end bins.
/// </summary>
public sealed class RunningHistogram
{
    public const int DefaultBins = 2048;

    public RunningHistogram(float min, float max, int bins = DefaultBins)
    {
        Min = min;
        Max = max > min ? max : min + 1e-6f;
        Counts = new long[bins];
    }

    public float Min { get; }
    public float Max { get; }
    public long[] Counts { get; }
    public long Total { get; private set; }

    public float BinWidth => (Max - Min) / Counts.Length;

    public void Add(ReadOnlySpan<float> values)
    {
        float scale = Counts.Length / (Max - Min);
        int last = Counts.Length - 1;
        foreach (float v in values)
        {
            if (float.IsNaN(v)) continue;
            int bin = (int)((v - Min) * scale);
            Counts[bin < 0 ? 0 : bin > last ? last : bin]++;
        }
        Total += values.Length;
    }

    /// <summary>The value below which <paramref name="fraction"/> of the samples lie (bin edge interpolation).</summary>
    public float Quantile(double fraction)
    {
        double target = fraction * Total, seen = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            if (seen + Counts[i] >= target)
            {
                double inside = Counts[i] == 0 ? 0 : (target - seen) / Counts[i];
                return Min + (float)((i + inside) * BinWidth);
            }
            seen += Counts[i];
        }
        return Max;
    }
}
