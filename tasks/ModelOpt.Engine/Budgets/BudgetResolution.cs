using System.Globalization;

namespace ModelOpt.Engine.Budgets;

/// <summary>
/// Whether a number of samples can resolve the output budgets at all, said before minutes are spent
/// on a search (docs/validation.md, "What the samples can resolve"): 166 digits cannot resolve a
/// 1-point accuracy drop, since one digit is 0.6 points and even a candidate that changes no answer
/// has a 95 % bound of 1.6 points. For each budget the samples cannot resolve: how many it
/// would take, and the strictest budget these samples can vouch for (which the budget is then
/// judged against, <see cref="BudgetMeasurements.Evaluate"/>).
/// </summary>
public static class BudgetResolution
{
    /// <param name="samples">How many samples the budgets will be judged on.</param>
    /// <param name="agreementPerSample">Whether agreement counts one position per sample (a classifier); frames and pixels are not judged here.</param>
    public static IReadOnlyList<string> Check(BudgetSet budgets, int samples, bool agreementPerSample)
    {
        var lines = new List<string>();
        if (samples <= 0) return lines;
        double confidence = budgets.Confidence, alpha = 1 - confidence;
        string level = $"{N(confidence * 100, "0.##")} %";
        if (budgets[BudgetDefinition.MaxAccuracyDrop] is { } drop)
        {
            double least = 100 * ConfidenceBounds.PairedDropResolution(samples, confidence);
            if (least > drop.Limit)
            {
                int needed = ConfidenceBounds.SamplesForDrop(drop.Limit / 100, confidence);
                lines.Add($"{samples} samples cannot resolve maxAccuracyDrop {N(drop.Limit, "0.##")} points at {level} confidence: one sample is {N(100.0 / samples, "0.##")} points, "
                    + $"and even a candidate that changes no answer has a {level} bound of {N(least, "0.##")} points. It takes at least {needed} samples (more if the candidate changes any answer); "
                    + $"these samples can hold a budget of {N(least, "0.##")} points or more, and the drop is judged against that.");
            }
        }
        if (agreementPerSample && budgets[BudgetDefinition.MinAgreement] is { } agreement && agreement.Limit > 0)
        {
            double best = ConfidenceBounds.ClopperPearsonLower(samples, samples, confidence);
            if (best < agreement.Limit)
            {
                int needed = agreement.Limit >= 1 ? int.MaxValue : (int)Math.Ceiling(Math.Log(alpha) / Math.Log(agreement.Limit));
                lines.Add($"{samples} samples cannot resolve minAgreement {N(agreement.Limit, "0.#####")} at {level} confidence: even a candidate that agrees on every sample has a {level} bound of {N(best, "0.#####")}. "
                    + (needed == int.MaxValue ? "No number of samples can show agreement 1; " : $"It takes at least {needed} samples; ")
                    + $"these samples can hold a budget of {N(best, "0.#####")} or less, and the agreement is judged against that.");
            }
        }
        if (budgets[BudgetDefinition.MinCosine] is not null && budgets.CosinePercentile > 0)
        {
            double q = budgets.CosinePercentile;
            int needed = ConfidenceBounds.SamplesForQuantile(q, confidence);
            if (samples < needed)
            {
                double least = 1 - Math.Pow(alpha, 1.0 / samples);
                lines.Add($"{samples} samples cannot bound the {N(q * 100, "0.##")}th percentile of the cosine at {level} confidence: it takes at least {needed} samples; "
                    + $"these samples can bound the {N(least * 100, "0.##")}th percentile or higher (cosinePercentile {N(least, "0.####")}). The worst sample is judged instead.");
            }
        }
        return lines;
    }

    /// <summary>
    /// The budgets a search goes on with, said before it starts. The search keeps a trial only where
    /// the confirmation's own bound would keep it, and a candidate that changed no answer on the
    /// choosing samples may still make a few of the confirming ones newly wrong (none of 667 digits:
    /// up to 3 of 666 at 95 %, a bound of 1.12 points; none of 167: 3 of 166, 4.44 points). A drop
    /// budget stricter than that, or an agreement budget above what a perfect candidate could show
    /// there, cannot be held by a search on these samples. Each such budget is replaced by the
    /// strictest one they can hold (<see cref="Budget.Asked"/> keeps the user's), so that the choice,
    /// the confirmation, the report and the lock judge against one honest limit; a line per budget
    /// says how many samples each part would need. Budgets the samples can hold are left exactly as
    /// given. Other budgets the confirmation's count cannot resolve (a cosine percentile) are said as
    /// <see cref="Check"/> says them.
    /// </summary>
    /// <param name="choosing">Samples the search chooses on (0: it does not hold any out).</param>
    /// <param name="confirming">Samples the confirmation judges on.</param>
    /// <param name="movable">Which budgets may be moved: a default the user did not ask for (the fidelity
    /// floor) is a fixed sanity check, never loosened to what few samples can hold. Null: every budget.</param>
    public static (BudgetSet Budgets, IReadOnlyList<string> Lines) ForSearch(BudgetSet budgets, int choosing, int confirming, bool agreementPerSample, Func<Budget, bool>? movable = null)
    {
        movable ??= _ => true;
        if (choosing <= 0 || confirming <= 0) return (budgets, Check(budgets, Math.Max(choosing, confirming), agreementPerSample));
        double confidence = budgets.Confidence;
        string level = $"{N(confidence * 100, "0.##")} %";
        var lines = new List<string>();
        var held = budgets.All.ToList();
        string parts = $"a search choosing on {choosing} samples and confirmed on {confirming}";
        if (budgets[BudgetDefinition.MaxAccuracyDrop] is { } drop && movable(drop) && SearchHeldDrop(choosing, confirming, confidence) is var limit && limit > drop.Limit)
        {
            long wrong = (long)Math.Round(ConfidenceBounds.ClopperPearsonUpper(0, choosing, confidence) * confirming);
            int needed = drop.Limit > 0 ? ConfidenceBounds.SamplesForSearch(drop.Limit / 100, confidence) : int.MaxValue;
            lines.Add($"{parts} cannot hold maxAccuracyDrop {N(drop.Limit, "0.##")} points at {level} confidence: "
                + $"a candidate that changes no answer on the choosing samples may still make {wrong} of the confirming ones newly wrong, a {level} bound of {N(limit, "0.##")} points there. "
                + $"It takes at least {(needed == int.MaxValue ? "more" : needed.ToString(CultureInfo.InvariantCulture))} samples in each part; the search goes on with maxAccuracyDrop {N(limit, "0.##")} points, the strictest budget a search on these samples can hold: "
                + "its choice and the confirmation are judged against that, and the report and the lock say so.");
            held[held.IndexOf(drop)] = drop with { Limit = limit, Asked = drop.Limit };
        }
        if (agreementPerSample && budgets[BudgetDefinition.MinAgreement] is { } agreement && movable(agreement) && agreement.Limit > 0
            && SearchHeldAgreement(choosing, confirming, confidence) is var floor && floor < agreement.Limit)
        {
            lines.Add($"{parts} cannot hold minAgreement {N(agreement.Limit, "0.#####")} at {level} confidence: even a candidate that agrees on every choosing sample has, on the confirming ones, a {level} bound of {N(floor, "0.#####")} to expect. "
                + $"The search goes on with minAgreement {N(floor, "0.#####")}, the strictest budget a search on these samples can hold: its choice and the confirmation are judged against that, and the report and the lock say so.");
            held[held.IndexOf(agreement)] = agreement with { Limit = floor, Asked = agreement.Limit };
        }
        var result = budgets.WithBudgets(held);
        // Budgets moved here are held by the confirmation's count too; what else that count cannot resolve is said as a plain check says it.
        lines.AddRange(Check(result, Math.Min(choosing, confirming), agreementPerSample));
        return (result, lines);
    }

    /// <summary>The strictest drop budget (points) a search on these counts can hold (<see cref="ConfidenceBounds.SearchHeldDrop"/>).</summary>
    public static double SearchHeldDrop(int choosing, int confirming, double confidence) =>
        100 * ConfidenceBounds.SearchHeldDrop(choosing, confirming, confidence);

    /// <summary>
    /// The strictest agreement budget a search on these counts can hold (one position per sample): the
    /// confirmation's exact bound on the share a candidate agreeing on every choosing sample may show.
    /// </summary>
    public static double SearchHeldAgreement(int choosing, int confirming, double confidence)
    {
        long hits = (long)Math.Round(ConfidenceBounds.ClopperPearsonLower(choosing, choosing, confidence) * confirming);
        return ConfidenceBounds.ClopperPearsonLower(hits, confirming, confidence);
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
