using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The margin a search keeps so that its choice survives the confirmation. The search picks the
/// most aggressive setting whose accuracy drop (or agreement) keeps the budget on the samples it
/// chooses on; both that figure and the one the confirmation part will measure are estimates from
/// a few hundred samples, so a setting that sits right at the budget breaks it on unseen samples
/// about half the time, more after the search has picked the luckiest of many trials. A setting is
/// therefore taken only when the budget holds with one standard error of the confirmation's figure
/// to spare, predicted from the trial itself: the drop in accuracy is a paired difference whose
/// variance is at most the share of samples whose class changed over the sample count, on the
/// search part and again on the confirmation part.
/// </summary>
public static class ConfirmationMargin
{
    /// <summary>
    /// The verdicts of a search trial judged on <paramref name="comparison"/>, with the drop and
    /// agreement budgets checked against the figure minus (plus) the margin for a confirmation on
    /// <paramref name="confirmation"/> samples; unchanged when there is no confirmation part.
    /// </summary>
    public static IReadOnlyList<BudgetVerdict> Apply(IReadOnlyList<BudgetVerdict> verdicts, ComparisonResult? comparison, int confirmation)
    {
        if (confirmation <= 0 || comparison is not { Samples: > 0 } c) return verdicts;
        double changed = 1 - c.Agreement;
        double variance = 1.0 / c.Samples + 1.0 / confirmation;
        return verdicts.Select(v =>
        {
            if (!v.Kept) return v;
            if (v.Budget.Definition == BudgetDefinition.MaxAccuracyDrop && c.AccuracyDrop is double drop)
            {
                double margin = 100 * Math.Sqrt(changed * variance);
                return drop + margin <= v.Budget.Limit ? v
                    : v with { Kept = false, Measured = drop + margin, Note = Note(drop, margin, "points", c.Samples, confirmation) };
            }
            if (v.Budget.Definition == BudgetDefinition.MinAgreement)
            {
                // Agreement counts positions (frames, pixels) where the output has them: a binomial over those.
                double perSample = c.Positions > 0 ? (double)c.Positions / c.Samples : 1;
                double margin = Math.Sqrt(changed * (1 - changed) * (1.0 / (c.Samples * perSample) + 1.0 / (confirmation * perSample)));
                return c.Agreement - margin >= v.Budget.Limit ? v
                    : v with { Kept = false, Measured = c.Agreement - margin, Note = Note(c.Agreement, -margin, "", c.Samples, confirmation) };
            }
            return v;
        }).ToList();
    }

    private static string Note(double measured, double margin, string unit, int searched, int confirmation) => string.Format(CultureInfo.InvariantCulture,
        "{0:0.####}{1} on the {2} samples the search chose on, {3} {4:0.####} for one standard error of what the {5} unseen samples will measure",
        measured, unit.Length > 0 ? " " + unit : "", searched, margin >= 0 ? "+" : "−", Math.Abs(margin), confirmation);
}
