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
    /// Said before a search, beside <see cref="Check"/>: a drop budget the samples resolve, but only
    /// for a candidate that changes (almost) no answer (666 digits and 0.5 points: one digit newly
    /// wrong already has a 95 % bound of 0.67). The search keeps only what the confirmation's bound
    /// would keep, so it has nothing to choose between; the line says how many samples each part
    /// needs to give it room, and the budget these samples give room for.
    /// </summary>
    /// <param name="samples">The fewer of the samples the search chooses on and those it is confirmed on.</param>
    public static IReadOnlyList<string> SearchRoom(BudgetSet budgets, int samples)
    {
        if (samples <= 0 || budgets[BudgetDefinition.MaxAccuracyDrop] is not { } drop) return [];
        double confidence = budgets.Confidence, limit = drop.Limit / 100;
        // Unresolvable altogether: Check says so.
        if (ConfidenceBounds.PairedDropResolution(samples, confidence) > limit || ConfidenceBounds.DropHasRoom(limit, samples, confidence)) return [];
        string level = $"{N(confidence * 100, "0.##")} %";
        return [$"{samples} samples resolve maxAccuracyDrop {N(drop.Limit, "0.##")} points at {level} confidence only for a candidate that changes almost no answer: one sample newly wrong is {N(100.0 / samples, "0.##")} points "
            + $"and has a {level} bound of {N(100 * ConfidenceBounds.PairedDropUpper(1, 0, samples, confidence), "0.##")} points, so the search may find nothing to take. "
            + $"To take a candidate that loses half the budget, the search's choosing and confirming samples need at least {ConfidenceBounds.SamplesForDropWithRoom(limit, confidence)} each; "
            + $"these samples give that room to a budget of {N(100 * ConfidenceBounds.DropWithRoom(samples, confidence), "0.##")} points or more."];
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
