using ModelOpt.Engine.Budgets;
using ModelOpt.Optimizer.Search;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The expensive parts of a search, faked for the tests of its rules: a trial's outcome with a given
/// output cosine (no model built or run), and paired-timing verdicts on either side of the 5 % margin.
/// </summary>
internal static class FakeTrials
{
    public static readonly PairedTiming.Verdict Faster = new(1.12, 1.08, PairedTiming.DefaultMargin, 15);

    public static readonly PairedTiming.Verdict Even = new(1.01, 0.96, PairedTiming.DefaultMargin, 15);

    /// <summary>The outcome of <paramref name="trial"/> as if its one output <c>y</c> (of <paramref name="elements"/> values) had <paramref name="cosine"/> on 8 samples.</summary>
    public static TrialOutcome WithCosine(SearchTrial trial, double cosine, int elements)
    {
        var comparison = new ComparisonResult(8, "8 fake samples", false, null, null, 1, [new OutputComparison("y", elements, 0, 0, cosine)], null, null, 0, 0);
        var measured = new BudgetMeasurements();
        measured.Set(BudgetDefinition.MinCosine, cosine);
        var footprint = new ModelFootprint(1000, 100, 400, []);
        return new TrialOutcome(new ValidationReport("chain", "trial", footprint, footprint, comparison, measured.Evaluate(trial.Budgets), [], []), null);
    }
}
