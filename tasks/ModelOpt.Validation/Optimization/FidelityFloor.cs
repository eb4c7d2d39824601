using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Validation.Optimization;

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
    public const string HowToChange =
        "set an output budget of your own (e.g. maxAccuracyDrop, minCosine) or switch the floor off: --no-fidelity-floor, \"budgets\": { \"fidelityFloor\": false }, FidelityFloor=\"false\"";

    /// <summary>Whether the floor applies: on unless switched off, and only where no output budget was set.</summary>
    public static bool AppliesTo(BudgetSet budgets, bool? enabled) => (enabled ?? budgets.FidelityFloor ?? true) && !budgets.NeedsOutputs;

    /// <summary>The floor's verdict on a comparison that ran: accuracy drop with labels, else the lowest output cosine.</summary>
    public static BudgetVerdict? Verdict(ValidationReport report, IReadOnlyList<PassReport> passes)
    {
        if (report.Comparison is not { Samples: > 0 } comparison) return null;
        var budget = comparison.AccuracyDrop is not null
            ? new Budget(BudgetDefinition.MaxAccuracyDrop, MaxAccuracyDropPoints, Source)
            : new Budget(BudgetDefinition.MinCosine, MinCosine, Source);
        double measured = comparison.AccuracyDrop ?? comparison.MinCosine;
        bool kept = budget.IsKeptBy(measured);
        var changed = passes.Where(p => p.Changed).Select(p => $"'{p.Pass}'").ToList();
        string? culprit = kept || changed.Count == 0 ? null : $"the pass{(changed.Count > 1 ? "es" : "")} that changed the model: {string.Join(", ", changed)}";
        string note = kept
            ? $"{Source}, since no output budget was set"
            : $"{Source}, which applies when no output budget is set: {HowToChange}";
        return new BudgetVerdict(budget, measured, kept, culprit, note);
    }

    /// <summary>Whether a verdict is the floor's rather than a budget the user set.</summary>
    public static bool IsFloor(BudgetVerdict verdict) => verdict.Budget.Source == Source;
}
