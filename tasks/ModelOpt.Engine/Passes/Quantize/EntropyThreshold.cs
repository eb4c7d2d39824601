namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// The KL-divergence threshold search of TensorRT's entropy calibration (also ORT's "Entropy"):
/// for each candidate clipping threshold, the clipped reference distribution P is compared with
/// its quantized version Q (merged into the available levels, expanded back over the non-empty
/// bins); the threshold with the least KL(P‖Q) wins. It trades a little clipping of rare outliers
/// for finer steps where the mass is.
/// </summary>
public static class EntropyThreshold
{
    /// <summary>
    /// Searches thresholds over a histogram of non-negative values starting at 0 (|x|, or x after
    /// a ReLU); returns the chosen upper bound.
    /// </summary>
    public static float Search(long[] counts, float binWidth, int levels)
    {
        int bins = counts.Length;
        if (bins <= levels) return bins * binWidth;
        double bestKl = double.PositiveInfinity;
        int bestEnd = bins;
        var p = new double[bins];
        var q = new double[bins];
        int step = Math.Max(1, (bins - levels) / 256);   // bounded work per tensor: at most ~256 candidates
        for (int end = levels; end <= bins; end += step)
        {
            for (int i = 0; i < end; i++) p[i] = counts[i];
            double outliers = 0;
            for (int i = end; i < bins; i++) outliers += counts[i];
            p[end - 1] += outliers;

            // Merge the end bins into `levels` quantized bins, then spread each back evenly over its
            // non-empty source bins. Q is built from the histogram *without* the clipped mass (as
            // TensorRT and ONNX Runtime do): built from P it would equal P at the smallest threshold
            // and the search would always clip hardest.
            double perLevel = (double)end / levels;
            for (int l = 0; l < levels; l++)
            {
                int start = (int)Math.Floor(l * perLevel), stop = l == levels - 1 ? end : (int)Math.Floor((l + 1) * perLevel);
                double sum = 0;
                int nonEmpty = 0;
                for (int i = start; i < stop; i++)
                {
                    sum += counts[i];
                    if (p[i] != 0) nonEmpty++;
                }
                for (int i = start; i < stop; i++) q[i] = p[i] == 0 || nonEmpty == 0 ? 0 : sum / nonEmpty;
            }
            double kl = Kl(p, q, end);
            if (kl < bestKl)
            {
                bestKl = kl;
                bestEnd = end;
            }
        }
        return bestEnd * binWidth;
    }

    private static double Kl(double[] p, double[] q, int n)
    {
        double sp = 0, sq = 0;
        for (int i = 0; i < n; i++)
        {
            sp += p[i];
            sq += q[i];
        }
        if (sp == 0 || sq == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int i = 0; i < n; i++)
        {
            if (p[i] == 0) continue;
            double pi = p[i] / sp, qi = q[i] / sq;
            // A reference bin the quantized distribution leaves empty: a large finite penalty (smoothing).
            kl += pi * Math.Log(pi / (qi > 0 ? qi : 1e-10));
        }
        return kl;
    }
}
