using MathNet.Numerics.Distributions;

namespace ModelOpt.Engine.Budgets;

/// <summary>
/// One-sided confidence bounds on what a budget measures, from per-sample results: what the
/// samples at hand let one claim about samples not yet seen, at a confidence level such as 0.95.
/// Exact (Clopper–Pearson, order statistics) where the figure is a count of samples; Tango's score
/// bound for a paired difference (the accuracy drop); a seeded bootstrap where the figure is a ratio
/// of sums over samples. docs/validation.md says which budget uses which.
/// </summary>
public static class ConfidenceBounds
{
    /// <summary>The exact (Clopper–Pearson) upper bound on a rate seen <paramref name="k"/> times in <paramref name="n"/>.</summary>
    public static double ClopperPearsonUpper(long k, long n, double confidence)
    {
        Check(k, n, confidence);
        if (n == 0 || k == n) return 1;
        return Beta.InvCDF(k + 1, n - k, confidence);
    }

    /// <summary>The exact (Clopper–Pearson) lower bound on a rate seen <paramref name="k"/> times in <paramref name="n"/>.</summary>
    public static double ClopperPearsonLower(long k, long n, double confidence)
    {
        Check(k, n, confidence);
        if (k == 0) return 0;
        return Beta.InvCDF(k, n - k + 1, 1 - confidence);
    }

    /// <summary>
    /// An upper bound on the accuracy drop (a fraction: original's accuracy − candidate's) from the
    /// paired discordant counts: of <paramref name="n"/> samples, the candidate got
    /// <paramref name="newlyWrong"/> wrong that the original got right and <paramref name="newlyRight"/>
    /// the other way round; the samples both got right or both wrong count for nothing. Tango's score
    /// bound (Stat. Med. 1998), the McNemar statistic inverted for a difference: the largest drop Δ
    /// whose score (b − c − nΔ) / √(n(2p̃ + Δ(1 − Δ))), p̃ the constrained maximum-likelihood share of
    /// samples newly right, is not below −z. With no answer changed it is z² / (n + z²): 1.6 points
    /// for 166 samples at 95 %, the least drop they can vouch for (<see cref="PairedDropResolution"/>).
    /// </summary>
    public static double PairedDropUpper(long newlyWrong, long newlyRight, long n, double confidence)
    {
        Check(newlyWrong + newlyRight, n, confidence);
        if (n == 0) return 1;
        double z = Normal.InvCDF(0, 1, confidence);
        double b = newlyWrong, c = newlyRight, size = n;
        double Score(double delta)
        {
            double w = -b - c + (2 * size - b + c) * delta;
            double p = (-w + Math.Sqrt(w * w + 8 * size * c * delta * (1 - delta))) / (4 * size);
            double variance = size * (2 * p + delta * (1 - delta));
            return variance <= 0 ? (b - c - size * delta >= 0 ? double.PositiveInfinity : double.NegativeInfinity) : (b - c - size * delta) / Math.Sqrt(variance);
        }
        // The score falls as Δ grows: bisect for where it crosses −z, above the measured drop.
        double lo = (b - c) / size, hi = 1;
        if (Score(hi) >= -z) return 1;
        for (int i = 0; i < 100 && hi - lo > 1e-12; i++)
        {
            double mid = (lo + hi) / 2;
            if (Score(mid) >= -z) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The drop bound of a candidate that changes no answer: z² / (n + z²), the strictest drop budget n samples can hold.</summary>
    public static double PairedDropResolution(long n, double confidence) => PairedDropUpper(0, 0, n, confidence);

    /// <summary>The fewest samples whose drop bound, with no answer changed, is at most <paramref name="limit"/> (a fraction): n ≥ z²(1 − L) / L.</summary>
    public static int SamplesForDrop(double limit, double confidence)
    {
        double z = Normal.InvCDF(0, 1, confidence);
        return (int)Math.Ceiling(z * z * (1 - limit) / limit);
    }

    /// <summary>
    /// The strictest drop budget (a fraction) a search can hold when it chooses on <paramref name="samples"/>
    /// and is confirmed on <paramref name="confirmation"/> others: the confirmation's bound for a candidate
    /// that changed no answer on the choosing samples, whose share newly wrong is then at most its exact
    /// upper bound (667 and 666 digits at 95 %: 3 newly wrong, 1.12 points; 167 and 166: 4.4 points).
    /// </summary>
    public static double SearchHeldDrop(long samples, long confirmation, double confidence)
    {
        if (samples <= 0 || confirmation <= 0) return 1;
        long wrong = Math.Min(confirmation, (long)Math.Round(ClopperPearsonUpper(0, samples, confidence) * confirmation));
        return PairedDropUpper(wrong, 0, confirmation, confidence);
    }

    /// <summary>The fewest samples in each part (choosing, confirming) whose <see cref="SearchHeldDrop"/> is at most <paramref name="limit"/> (a fraction).</summary>
    public static int SamplesForSearch(double limit, double confidence)
    {
        // Counts are whole samples, so the held drop steps up and down by a little: the first n that holds it.
        for (int n = Math.Max(1, SamplesForDrop(limit, confidence)); n < 10_000_000; n++)
            if (SearchHeldDrop(n, n, confidence) <= limit) return n;
        return int.MaxValue;
    }

    /// <summary>
    /// A lower bound on the <paramref name="quantile"/> (e.g. 0.05) of a figure over unseen samples, from
    /// the figures of <paramref name="values"/>: the k-th smallest, with k the largest rank that at
    /// least k of n samples fall at or below the quantile with the given confidence (a binomial tail;
    /// distribution-free). Null when even the smallest value is no such bound: too few samples for
    /// that quantile at that confidence (<see cref="SamplesForQuantile"/>).
    /// </summary>
    public static double? QuantileLower(IReadOnlyList<double> values, double quantile, double confidence)
    {
        if (quantile is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(quantile), "a quantile strictly between 0 and 1.");
        Check(0, values.Count, confidence);
        int n = values.Count;
        if (n == 0) return null;
        var sorted = values.Order().ToArray();
        int rank = 0;
        // P(at least k of n fall at or below the quantile) = 1 − F(k − 1) for Binomial(n, quantile): falls as k grows.
        for (int k = 1; k <= n; k++)
        {
            if (1 - Binomial.CDF(quantile, n, k - 1) >= confidence) rank = k;
            else break;
        }
        return rank == 0 ? null : sorted[rank - 1];
    }

    /// <summary>The fewest samples whose smallest value bounds the <paramref name="quantile"/> from below: 1 − (1 − q)ⁿ ≥ confidence.</summary>
    public static int SamplesForQuantile(double quantile, double confidence) =>
        (int)Math.Ceiling(Math.Log(1 - confidence) / Math.Log(1 - quantile));

    /// <summary>
    /// A lower bound on Σ hits ÷ Σ counts over unseen samples (agreement over frames or pixels, which
    /// within one sample are not independent): the (1 − confidence) percentile of the ratio over
    /// <paramref name="resamples"/> bootstrap resamples of whole samples, seeded so that the same
    /// results give the same bound.
    /// </summary>
    public static double BootstrapRatioLower(IReadOnlyList<long> hits, IReadOnlyList<long> counts, double confidence, int resamples = 1000, int seed = 1)
    {
        if (hits.Count != counts.Count) throw new ArgumentException("one count per sample.", nameof(counts));
        Check(0, hits.Count, confidence);
        int n = hits.Count;
        if (n == 0) return 0;
        var random = new Random(seed);
        var ratios = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            long h = 0, c = 0;
            for (int i = 0; i < n; i++)
            {
                int pick = random.Next(n);
                h += hits[pick];
                c += counts[pick];
            }
            ratios[r] = c == 0 ? 1 : (double)h / c;
        }
        Array.Sort(ratios);
        return ratios[(int)Math.Floor((1 - confidence) * (resamples - 1))];
    }

    private static void Check(long k, long n, double confidence)
    {
        if (k < 0 || n < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"a count of {k} in {n}.");
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), "a confidence level strictly between 0 and 1.");
    }
}
