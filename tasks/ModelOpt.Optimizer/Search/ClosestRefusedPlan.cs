using ModelOpt.Engine.Budgets;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Where no choice keeps every budget, what the search saw of the static ones: the trial, among those
/// that reached the FLOP and parameter budgets, that came closest to the output budgets (its worst
/// broken bound the least past its limit), and the output budgets it broke. The closest choice that kept the output budgets is the
/// one the failure names; this says why nothing that reached the static budgets could be taken
/// (on the seed CNN with 2,000 digits: every 3× plan changed too many answers for 666 unseen digits
/// to vouch for the drop).
/// </summary>
internal sealed class ClosestRefusedPlan
{
    private (ValidationReport Report, double Harm)? _closest;

    /// <summary>Offers a trial judged on the output budgets, with whether it keeps the static budgets.</summary>
    public void Offer(ValidationReport report, bool staticKept)
    {
        var broken = report.Verdicts.Where(v => !v.Kept && v.Budget.Definition.NeedsOutputs).ToList();
        if (!staticKept || broken.Count == 0) return;
        // How far past its limit the worst broken output budget's bound (the forecast's, where that broke it) lies, relative to the limit.
        double excess = broken.Max(Excess);
        if (double.IsNaN(excess)) return;
        if (_closest is null || excess < _closest.Value.Harm) _closest = (report, excess);
    }

    private static double Excess(BudgetVerdict v)
    {
        double limit = v.JudgedLimit ?? v.Budget.Limit;
        if ((v.Estimate?.Bound ?? v.Measured) is not double figure) return double.PositiveInfinity;
        double past = v.Budget.Definition.Direction == BudgetDirection.AtMost ? figure - limit : limit - figure;
        return past / Math.Max(Math.Abs(limit), 1e-12);
    }

    /// <summary>The sentence the failure adds, or null where no trial reached the static budgets.</summary>
    public string? Describe()
    {
        if (_closest is not var (report, _)) return null;
        string flops = report.CandidateFootprint.Flops is long f ? $"FLOPs {Quantity.Format(f, QuantityKind.Flops)}" + (report.FlopReduction is double r ? $" ({r:0.##}x fewer)" : "") : "its FLOPs";
        var broken = report.Verdicts.Where(v => !v.Kept && v.Budget.Definition.NeedsOutputs)
            .Select(v => v.Headline() + (v.Note is null ? "" : " (forecast for the samples the confirmation judges on)"));
        return $"the closest to the output budgets of the plans that reached the static ones, {flops}, breaks {string.Join("; ", broken)}";
    }
}
