using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer;

/// <summary>
/// The output check every optimization gets when the user set no output budget of their own
/// (<c>maxAccuracyDrop</c>, <c>minAgreement</c>, <c>minCosine</c>): a rewrite that answers unlike the
/// original must not be written just because nobody asked. With labels the floor is an accuracy drop
/// of at most <see cref="MaxAccuracyDropPoints"/> points (what the user feels), else a cosine of at
/// least <see cref="MinCosine"/> on the samples. Documented in docs/validation.md; switched off with
/// <c>--no-fidelity-floor</c>, <c>"budgets": { "fidelityFloor": false }</c> or <c>FidelityFloor="false"</c>.
/// </summary>
public static class FidelityFloor
{
    public const double MinCosine = 0.99;

    public const double MaxAccuracyDropPoints = 1.0;

    private const string Source = "the default fidelity floor";

    /// <summary>How the floor is switched off, for messages.</summary>
    public static string HowToChange =>
        $"set an output budget of your own (e.g. {SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop)}, {SettingNames.Budget(BudgetDefinition.MinCosine)}) or switch the floor off: {OptionNames.NoFidelityFloor}";

    /// <summary>Whether the floor applies: on unless switched off, and only where no output budget was set.</summary>
    public static bool AppliesTo(BudgetSet budgets, bool? enabled) => (enabled ?? budgets.FidelityFloor ?? true) && !budgets.NeedsOutputs;

    /// <summary>The floor as a budget a search can aim at (the automatic plan's): the accuracy drop with labels, else the cosine.</summary>
    public static BudgetSet AsBudgets(bool labels) => BudgetSet.None.WithBudgets([labels
        ? new Budget(BudgetDefinition.MaxAccuracyDrop, MaxAccuracyDropPoints, Source)
        : new Budget(BudgetDefinition.MinCosine, MinCosine, Source)]);

    /// <summary>
    /// The floor as a budget on a comparison that ran: accuracy drop where labels were scored, else the
    /// cosine per sample; with the run's judging settings (<paramref name="rules"/>: confidence, cosine percentile).
    /// </summary>
    public static BudgetSet? Budgets(ComparisonResult? comparison, BudgetSet? rules = null)
    {
        if (comparison is not { Samples: > 0 } c) return null;
        var budget = c.BaselineHits is not null
            ? new Budget(BudgetDefinition.MaxAccuracyDrop, MaxAccuracyDropPoints, Source)
            : new Budget(BudgetDefinition.MinCosine, MinCosine, Source);
        return (rules ?? BudgetSet.None).WithBudgets([budget]);
    }

    /// <summary>
    /// The floor's verdict on a comparison that ran: accuracy drop with labels, else the cosine of the
    /// worst sample. The floor is a sanity check the user did not ask for, so it judges the figure
    /// itself, with the confidence bound shown beside it; a budget the user sets is judged by its bound.
    /// </summary>
    public static BudgetVerdict? Verdict(ValidationReport report, IReadOnlyList<PassReport> passes, BudgetSet? rules = null)
    {
        if (Budgets(report.Comparison, rules) is not { } floor) return null;
        var budget = floor.All[0];
        var verdict = BudgetValidator.Measure(report.BaselineFootprint, report.CandidateFootprint, report.Comparison, floor).Verdict(budget, byBound: false);
        bool kept = verdict.Kept;
        var changed = passes.Where(p => p.Changed).Select(p => $"'{p.Pass}'").ToList();
        string? culprit = kept || changed.Count == 0 ? null : $"the pass{(changed.Count > 1 ? "es" : "")} that changed the model: {string.Join(", ", changed)}";
        string note = kept
            ? $"{Source}, since no output budget was set"
            : $"{Source}, which applies when no output budget is set: {HowToChange}";
        return verdict with { Culprit = culprit, Note = note };
    }

    /// <summary>Whether a verdict is the floor's rather than a budget the user set.</summary>
    public static bool IsFloor(BudgetVerdict verdict) => IsFloor(verdict.Budget);

    /// <summary>Whether a budget is the floor's (the automatic plan searches with it) rather than one the user set.</summary>
    public static bool IsFloor(Budget budget) => budget.Source == Source;
}
