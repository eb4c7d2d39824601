namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// The range that minimizes the expected squared error of uint8 quantization over a histogram of
/// the values (the "mse" calibrator of TensorRT's and NVIDIA's PyTorch quantization toolkits): a
/// value inside [lo, hi] costs the rounding error of a step, step² / 12; a value outside costs its
/// distance to the edge it is clipped to, squared. Each tensor gets its own trade between clipping
/// the tail and resolving the bulk, where a percentile clips every tensor's tail alike.
/// </summary>
public static class MseRange
{
    // Candidate edges per side: enough to place an edge within 1/256 of the range, bounded work per tensor.
    private const int EdgesPerSide = 256;

    /// <param name="levels">Quantization steps across the range (255 for uint8).</param>
    public static TensorRange Search(RunningHistogram histogram, TensorRange full, int levels = 255)
    {
        var counts = histogram.Counts;
        int bins = counts.Length;
        double width = histogram.BinWidth;
        // Suffix and prefix sums of n, n·x, n·x² (x the bin centre): the clipping error of any edge in O(1).
        var n = new double[bins + 1];
        var nx = new double[bins + 1];
        var nxx = new double[bins + 1];
        for (int i = 0; i < bins; i++)
        {
            double x = histogram.Min + (i + 0.5) * width;
            n[i + 1] = n[i] + counts[i];
            nx[i + 1] = nx[i] + counts[i] * x;
            nxx[i + 1] = nxx[i] + counts[i] * x * x;
        }
        if (n[bins] == 0) return full;

        // Clipping error of the bins [from, to) moved to the edge e: Σ n (x − e)².
        double Clip(int from, int to, double e) =>
            to <= from ? 0 : (nxx[to] - nxx[from]) - 2 * e * (nx[to] - nx[from]) + e * e * (n[to] - n[from]);

        // A tensor that never goes below zero (after a ReLU) keeps its lower edge: zero stays exact.
        bool lowerFixed = full.Min >= 0;
        int zeroBin = Math.Clamp((int)Math.Floor((0 - histogram.Min) / width), 0, bins);
        int step = Math.Max(1, bins / EdgesPerSide);
        var lowerEdges = lowerFixed ? [0] : Enumerable.Range(0, (zeroBin + step - 1) / step + 1).Select(k => Math.Min(k * step, zeroBin)).Distinct().ToArray();
        var upperEdges = Enumerable.Range(0, (bins - zeroBin + step - 1) / step + 1).Select(k => Math.Max(bins - k * step, Math.Max(zeroBin, 1))).Distinct().ToArray();

        double best = double.PositiveInfinity;
        var chosen = full;
        foreach (int lowBin in lowerEdges)
        {
            double lo = lowerFixed ? full.Min : histogram.Min + lowBin * width;
            double below = Clip(0, lowBin, lo);
            foreach (int highBin in upperEdges)
            {
                if (highBin <= lowBin) continue;
                double hi = Math.Min(histogram.Min + highBin * width, full.Max);
                double stepSize = (hi - lo) / levels;
                double inside = n[highBin] - n[lowBin];
                double error = below + Clip(highBin, bins, hi) + inside * stepSize * stepSize / 12;
                if (error < best)
                {
                    best = error;
                    chosen = new TensorRange((float)lo, (float)hi);
                }
            }
        }
        return chosen;
    }
}
