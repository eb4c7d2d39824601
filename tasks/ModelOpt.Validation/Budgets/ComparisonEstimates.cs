using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Budgets;

/// <summary>
/// The output budgets' figures with their confidence bounds, from a comparison's per-sample results
/// (docs/validation.md, "Budgets are estimates"):
/// <list type="bullet">
/// <item><c>maxAccuracyDrop</c>: the paired discordant counts (samples the candidate newly gets wrong,
/// newly gets right), the McNemar-style score bound (<see cref="ConfidenceBounds.PairedDropUpper"/>);</item>
/// <item><c>minAgreement</c>: over the outputs with a class axis, the exact (Clopper–Pearson) lower
/// bound where each sample is one position, a bootstrap over samples where it has frames or pixels;</item>
/// <item><c>minCosine</c>: per sample; the worst sample by default (its own bound: nothing is
/// extrapolated), or a low percentile of samples with its distribution-free lower bound.</item>
/// </list>
/// Each is the lowest (highest, for the drop) over the outputs it covers, naming the output and sample.
/// </summary>
public static class ComparisonEstimates
{
    public static BudgetEstimate? AccuracyDrop(ComparisonResult c, double confidence)
    {
        if (c.BaselineHits is not { Count: > 0 } a || c.CandidateHits is not { } b) return null;
        int n = Math.Min(a.Count, b.Count);
        long newlyWrong = 0, newlyRight = 0;
        for (int i = 0; i < n; i++)
        {
            if (a[i] && !b[i]) newlyWrong++;
            else if (!a[i] && b[i]) newlyRight++;
        }
        return new BudgetEstimate(100.0 * (newlyWrong - newlyRight) / n, 100 * ConfidenceBounds.PairedDropUpper(newlyWrong, newlyRight, n, confidence), confidence)
        {
            Samples = n,
            Resolvable = 100 * ConfidenceBounds.PairedDropResolution(n, confidence),
            Method = $"paired score bound (Tango): {newlyWrong} sample(s) newly wrong, {newlyRight} newly right",
            Output = c.Outputs.Count > 1 ? c.AccuracyOutput : null,
        };
    }

    public static BudgetEstimate? Agreement(ComparisonResult c, double confidence)
    {
        BudgetEstimate? lowest = null;
        foreach (var o in c.Outputs)
        {
            if (o.SampleAgreed is not { Count: > 0 } agreed || o.SamplePositions is not { } positions || o.Agreement is not double measured) continue;
            int n = agreed.Count;
            bool onePerSample = positions.All(p => p == 1);
            var estimate = onePerSample
                ? new BudgetEstimate(measured, ConfidenceBounds.ClopperPearsonLower(agreed.Sum(), n, confidence), confidence)
                {
                    Samples = n,
                    Resolvable = ConfidenceBounds.ClopperPearsonLower(n, n, confidence),
                    Method = "exact (Clopper–Pearson)",
                }
                : new BudgetEstimate(measured, ConfidenceBounds.BootstrapRatioLower(agreed, positions, confidence), confidence)
                {
                    Samples = n,
                    Method = "bootstrap over samples",
                };
            estimate = estimate with { Output = c.Outputs.Count > 1 ? o.Name : null };
            if (lowest is null || estimate.Bound < lowest.Bound) lowest = estimate;
        }
        return lowest;
    }

    /// <param name="percentile">0: the worst sample; above 0, that low percentile (0.05: the 5th).</param>
    public static BudgetEstimate? Cosine(ComparisonResult c, double confidence, double percentile)
    {
        BudgetEstimate? lowest = null;
        foreach (var o in c.Outputs)
        {
            if (o.SampleCosines.Count == 0) continue;
            var cosines = o.SampleCosines.Select(OutputComparison.CosineOrWorst).ToList();
            int worst = o.WorstCosineSample;
            double pooled = OutputComparison.CosineOrWorst(o.Cosine);
            BudgetEstimate estimate;
            if (percentile <= 0)
            {
                estimate = new BudgetEstimate(cosines[worst], cosines[worst], confidence) { Statistic = "the worst sample", WorstSample = c.SampleName(worst) };
            }
            else
            {
                var sorted = cosines.Order().ToList();
                double measured = sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Count) - 1, 0, sorted.Count - 1)];
                double? bound = ConfidenceBounds.QuantileLower(cosines, percentile, confidence);
                string at = $"the {(percentile * 100).ToString("0.##", CultureInfo.InvariantCulture)}th percentile of samples";
                estimate = new BudgetEstimate(measured, bound ?? cosines[worst], confidence)
                {
                    Statistic = at,
                    WorstSample = c.SampleName(worst),
                    WorstValue = cosines[worst],
                    // Too few samples to bound that percentile: the worst sample is the most that can be said.
                    Method = bound is null ? "too few samples to bound that percentile: the worst sample" : "order statistic",
                };
            }
            estimate = estimate with { Samples = cosines.Count, Pooled = pooled, Output = c.Outputs.Count > 1 ? o.Name : null };
            if (lowest is null || estimate.Bound < lowest.Bound) lowest = estimate;
        }
        return lowest;
    }
}
