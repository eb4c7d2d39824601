using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Budgets;

/// <summary>
/// Everything a validation found: both models' figures, the output comparison (when one ran), every
/// budget with its measured value and limit, and per-layer FLOPs before and after. Reports (JSON,
/// Markdown, HTML) are written from this.
/// </summary>
public sealed record ValidationReport(
    string Baseline,
    string Candidate,
    ModelFootprint BaselineFootprint,
    ModelFootprint CandidateFootprint,
    ComparisonResult? Comparison,
    IReadOnlyList<BudgetVerdict> Verdicts,
    IReadOnlyList<LayerChange> Layers,
    IReadOnlyList<string> Notes)
{
    public bool AllKept => Verdicts.All(v => v.Kept);

    /// <summary>One line for a report's title: the budgets' outcome, or that none was set.</summary>
    public string Headline => Verdicts.Count == 0 ? "no budgets set" : AllKept ? "every budget kept" : $"{Broken.Count()} budget(s) broken";

    /// <summary>A <c>check</c> of one model: both sides are the same figures.</summary>
    public bool IsSingleModel => ReferenceEquals(BaselineFootprint, CandidateFootprint);

    public IEnumerable<BudgetVerdict> Broken => Verdicts.Where(v => !v.Kept);

    public double? FlopReduction => BaselineFootprint.Flops is long a && CandidateFootprint.Flops is long b && b > 0 ? (double)a / b : null;

    /// <summary>The passes that made the candidate, when it came from an optimization run.</summary>
    public IReadOnlyList<PassReport> Passes { get; init; } = [];

    /// <summary>Warnings the validation raised (samples too few to resolve a budget, <see cref="Engine.Diagnostics.WarningCode.SamplesCannotResolveBudget"/>).</summary>
    public IReadOnlyList<Engine.Diagnostics.ModelOptWarning> Warnings { get; init; } = [];

    /// <summary>What the accuracy-aware search decided, when it ran.</summary>
    public IReadOnlyList<string> SearchLog { get; init; } = [];
}
