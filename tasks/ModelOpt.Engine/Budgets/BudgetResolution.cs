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
    /// Said before a search, beside <see cref="Check"/>: the search keeps a trial only where the
    /// confirmation's own bound would keep it, and a candidate that changed no answer on the choosing
    /// samples may still make a few of the confirming ones newly wrong (none of 667 digits: up to 3 of
    /// 666 at 95 %, a bound of 1.12 points). A drop budget stricter than that cannot be held by a search
    /// on these samples: the line says how many samples each part would need, and that the trials are
    /// judged against the strictest budget these samples can hold.
    /// </summary>
    public static IReadOnlyList<string> SearchRoom(BudgetSet budgets, int choosing, int confirming)
    {
        if (choosing <= 0 || confirming <= 0 || budgets[BudgetDefinition.MaxAccuracyDrop] is not { } drop) return [];
        double confidence = budgets.Confidence;
        double held = 100 * ConfidenceBounds.SearchHeldDrop(choosing, confirming, confidence);
        if (held <= drop.Limit) return [];
        string level = $"{N(confidence * 100, "0.##")} %";
        long wrong = (long)Math.Round(ConfidenceBounds.ClopperPearsonUpper(0, choosing, confidence) * confirming);
        return [$"a search choosing on {choosing} samples and confirmed on {confirming} cannot hold maxAccuracyDrop {N(drop.Limit, "0.##")} points at {level} confidence: "
            + $"a candidate that changes no answer on the choosing samples may still make {wrong} of the confirming ones newly wrong, a {level} bound of {N(held, "0.##")} points there. "
            + $"It takes at least {ConfidenceBounds.SamplesForSearch(drop.Limit / 100, confidence)} samples in each part; the search judges that forecast for its trials against {N(held, "0.##")} points, the strictest budget a search on these samples can hold."];
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
