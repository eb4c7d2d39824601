using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// A trial as the search judged it: the validation report, the output error it ranks by
/// (<see cref="Harm"/>: the accuracy drop, else 1 − cosine), and the model it built where the
/// final check keeps one.
/// </summary>
internal sealed record JudgedTrial(ValidationReport Report, double Harm, Candidate? Candidate)
{
    public bool Kept => Rejected is null && Report.AllKept;
    public long? Flops => Report.CandidateFootprint.Flops;

    /// <summary>Why the trial's rewrite could not be judged at all (it does not run), or null.</summary>
    public string? Rejected { get; init; }

    /// <summary>The output error as the log says it, with the bound each output budget was judged by.</summary>
    public string HarmText => (Report.Comparison is { BaselineAccuracy: double a, CandidateAccuracy: double b }
        ? $"accuracy {ReportNumbers.AccuracyChange(a, b)}"
        : $"1-cosine {Harm.ToString("0.####e0", CultureInfo.InvariantCulture)}") + Bounds;

    /// <summary>Why the trial is not kept: the budgets it breaks, or why its rewrite was rejected.</summary>
    public string BrokenKeys => Rejected ?? string.Join(", ", Report.Broken.Select(v => v.Budget.Definition.Key));

    // The bound each output budget was judged by: on the choosing samples, or the confirmation's forecast where that broke it.
    private string Bounds
    {
        get
        {
            var parts = Report.Verdicts.Where(v => v.Estimate is { HasBound: true } && v.Budget.Definition.NeedsOutputs)
                .Select(v => $"{v.Budget.Definition.Key} {(v.Note is null ? "" : "forecast ")}{(v.Estimate!.Confidence * 100).ToString("0.##", CultureInfo.InvariantCulture)} % bound {Quantity.Format(v.Estimate.Bound, v.Budget.Definition.Kind)}")
                .ToList();
            return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
        }
    }
}
