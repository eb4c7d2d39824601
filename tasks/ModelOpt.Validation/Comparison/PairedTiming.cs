namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Decisions from interleaved timings that hold on a busy machine as on an idle one. Each run of
/// the original is paired with the candidate's run right after it, so whatever else the machine
/// does falls on both; the decision takes the pairs' ratios (or differences), not two medians, and
/// only an advantage whose one-sided confidence bound clears the margin counts. The bound is the
/// sign test's order statistic: free of any assumption about the noise, which on a shared machine
/// is heavy-tailed (another process adds tens of percent to some runs and nothing to others).
/// Load widens the bound, so a busy machine can only make a speed decision more cautious, never
/// take one an idle machine would refuse.
/// </summary>
public static class PairedTiming
{
    /// <summary>The default margin a speed decision must clear: 5 % faster.</summary>
    public const double DefaultMargin = 0.05;

    /// <summary>The default confidence of the bound.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>What the pairs say about the candidate's speed-up (baseline time ÷ candidate time).</summary>
    public sealed record Verdict(double Median, double LowerBound, double Margin, int Pairs)
    {
        /// <summary>The candidate is faster by at least the margin, with the bound's confidence.</summary>
        public bool Faster => LowerBound >= 1 + Margin;

        public override string ToString() => double.IsNegativeInfinity(LowerBound)
            ? $"{Median:0.00}× over {Pairs} paired run(s), too few for a bound"
            : $"{Median:0.00}× median of {Pairs} paired runs, {DefaultConfidence:P0} lower bound {LowerBound:0.00}× (faster needs ≥ {1 + Margin:0.00}×)";
    }

    /// <summary>Judges <paramref name="candidate"/> against <paramref name="baseline"/>, run i of each timed one after the other.</summary>
    public static Verdict Speedup(IReadOnlyList<double> baseline, IReadOnlyList<double> candidate, double margin = DefaultMargin, double confidence = DefaultConfidence)
    {
        int n = Math.Min(baseline.Count, candidate.Count);
        var ratios = Enumerable.Range(0, n).Where(i => candidate[i] > 0).Select(i => baseline[i] / candidate[i]).ToList();
        return new Verdict(Median(ratios), LowerBound(ratios, confidence), margin, ratios.Count);
    }

    /// <summary>
    /// Times pairs with <paramref name="pair"/> (the original's run, then the candidate's) until the
    /// verdict is clear: <paramref name="first"/> pairs, and where their median clears the margin but
    /// the bound does not (another process disturbed some runs), more, up to <paramref name="most"/>
    /// in all. An idle machine decides on the first pairs; a busy one pays more runs for the same decision.
    /// </summary>
    public static Verdict Decide(Func<(double Baseline, double Candidate)> pair, double margin = DefaultMargin, int first = 15, int most = 45)
    {
        var a = new List<double>();
        var b = new List<double>();
        void Take(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var (x, y) = pair();
                a.Add(x);
                b.Add(y);
            }
        }
        Take(first);
        var verdict = Speedup(a, b, margin);
        while (!verdict.Faster && verdict.Median >= 1 + margin && a.Count < most)
        {
            Take(Math.Min(first, most - a.Count));
            verdict = Speedup(a, b, margin);
        }
        return verdict;
    }

    /// <summary>
    /// A one-sided lower confidence bound on the median of <paramref name="values"/> (the sign test's
    /// k-th smallest value); negative infinity when there are too few values for that confidence
    /// (fewer than 5 at 95 %).
    /// </summary>
    public static double LowerBound(IReadOnlyList<double> values, double confidence = DefaultConfidence)
    {
        var sorted = values.Order().ToList();
        double alpha = 1 - confidence;
        // The largest k with P(Binomial(n, ½) ≤ k − 1) ≤ α: at least n − k + 1 values lie above the median's bound.
        int k = 0;
        double cumulative = 0, term = Math.Pow(0.5, sorted.Count);
        for (int j = 0; j < sorted.Count; j++)
        {
            cumulative += term;
            if (cumulative > alpha) break;
            k = j + 1;
            term *= (double)(sorted.Count - j) / (j + 1);
        }
        return k == 0 ? double.NegativeInfinity : sorted[k - 1];
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
