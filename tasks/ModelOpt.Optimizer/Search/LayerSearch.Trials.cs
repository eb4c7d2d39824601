using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer.Reports;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer.Search;

// Trials: each assignment built and judged (SearchRequest.Judge), and the validated choices kept for a step back.
public sealed partial class LayerSearch
{
    // A probe passes its own validation settings (fewer samples, maybe latency runs) and gets them as they are.
    // A trial whose rewrite does not run (or whose pass breaks on it) is not kept, with the reason:
    // the bisection and the walk then leave its setting out like one that breaks a budget. Only the
    // final check (every budget) lets such a failure through, as the run itself would.
    private Trial Evaluate(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment, BudgetSet? budgets, string what, ValidationSettings? probe = null)
    {
        var validation = probe ?? _request.Validation with { Comparison = _request.Validation.Comparison with { LatencyRuns = budgets?.NeedsLatency == true ? _request.Validation.Comparison.LatencyRuns : 0 } };
        var started = _log.Elapsed;
        int number = _spent.Count;
        _log.Doing($"validation {number}: {what}");
        var trial = new SearchTrial(_request.ModelPath, ConfigFor(assignment), PassesFor(assignment), assignment, budgets ?? _outputBudgets, validation);
        TrialOutcome outcome;
        try
        {
            outcome = _judge(trial);
        }
        catch (Exception e) when (budgets is null && RejectedRewrite.Reason(e, _request.ModelPath) is { } why)
        {
            double lost = (_log.Elapsed - started).TotalSeconds;
            _spent.Add((what, lost));
            Log($"validation {number}: {what}: left out, {why} ({lost:0.#} s)");
            var none = new ModelFootprint(null, 0, 0, []);
            return new Trial(new ValidationReport("", "", none, none, null, [], [], [why]), double.PositiveInfinity, null) { Rejected = why };
        }
        var report = outcome.Report;
        // Kept only where the confirmation on unseen samples would keep it too (the winner's curse).
        // Probes judge on a handful of samples and decide nothing by the budgets: no forecast there.
        if (probe is null) report = report with { Verdicts = ConfirmationForecast.Apply(report.Verdicts, report.Comparison, _request.ConfirmationSamples, _request.Budgets.CosinePercentile) };
        var c = report.Comparison;
        double harm = c is null ? 0 : c.AccuracyDrop ?? 1 - c.MinCosine;
        var result = new Trial(report, harm, budgets is null ? null : outcome.Candidate);
        double seconds = (_log.Elapsed - started).TotalSeconds;
        _spent.Add((what, seconds));
        if (probe is null) _log.Validated(seconds);
        if (probe is null && budgets is null && result.Kept) _validated.Add((Chosen(assignment), result));
        if (probe is null && budgets is null && result.Rejected is null && StaticVerdicts(result) is { Count: > 0 } statics) _refused.Offer(result.Report, statics.All(v => v.Kept));
        // A model the cost model cannot count whole (an op it does not know) has no FLOP figure: never print it as 0.
        Log($"validation {number}: {what}: {Harm(result)}, FLOPs {(result.Flops is long flops ? Quantity.Format(flops, QuantityKind.Flops) : "not counted")}"
            + $" — {(result.Kept ? "keeps the budgets" : "breaks " + BrokenKeys(result))} ({seconds:0.#} s)");
        return result;
    }

    private static Dictionary<string, int> Chosen(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment) =>
        assignment.ToDictionary(a => a.Knob.Key, a => a.Step, StringComparer.Ordinal);

    /// <summary>
    /// The choices validated before the final one, most aggressive first, as the run can rebuild
    /// them: each kept trial of the bisection or the walk that is a strict part of the final choice
    /// (a step back gives up settings; it never swaps one for another the search did not confirm
    /// together). At most <see cref="MaxFallbacks"/>: each costs the run one more confirmation.
    /// </summary>
    private IReadOnlyList<SearchFallback> Fallbacks(Dictionary<string, int> final)
    {
        static string Key(Dictionary<string, int> plan) => string.Join(";", plan.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        // The original is no step back: it keeps no saving the user asked for.
        bool Within(Dictionary<string, int> plan) => plan.Count > 0 && Key(plan) != Key(final)
            && plan.All(p => final.TryGetValue(p.Key, out int step) && p.Value <= step);
        var result = new List<SearchFallback>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Most settings first (the walk's and the bisection's kept choices only grow, so this is their
        // order; the structure phase validates a layout with one layer float before one with five).
        var order = Enumerable.Range(0, _validated.Count).OrderByDescending(i => _validated[i].Plan.Count)
            .ThenByDescending(i => _validated[i].Plan.Values.Sum()).ThenByDescending(i => i);
        foreach (int i in order)
        {
            if (result.Count >= MaxFallbacks) break;
            var (plan, trial) = _validated[i];
            // It must keep the FLOP and parameter budgets as well, or confirming it is time lost.
            if (!Within(plan) || StaticVerdicts(trial).Any(v => !v.Kept)) continue;
            if (!seen.Add(Key(plan))) continue;
            result.Add(new SearchFallback(ConfigFor(Assignment(plan)), OutcomePasses(plan), plan.Count == 0 ? "no rewrite" : Describe(plan)));
        }
        return result;
    }

    private const int MaxFallbacks = 3;

    private static string Harm(Trial t) => (t.Report.Comparison is { BaselineAccuracy: double a, CandidateAccuracy: double b }
        ? $"accuracy {ReportNumbers.AccuracyChange(a, b)}"
        : $"1-cosine {t.Harm.ToString("0.####e0", CultureInfo.InvariantCulture)}") + Bounds(t);

    // The bound each output budget was judged by: on the choosing samples, or the confirmation's forecast where that broke it.
    private static string Bounds(Trial t)
    {
        var parts = t.Report.Verdicts.Where(v => v.Estimate is { HasBound: true } && v.Budget.Definition.NeedsOutputs)
            .Select(v => $"{v.Budget.Definition.Key} {(v.Note is null ? "" : "forecast ")}{(v.Estimate!.Confidence * 100).ToString("0.##", CultureInfo.InvariantCulture)} % bound {Quantity.Format(v.Estimate.Bound, v.Budget.Definition.Kind)}")
            .ToList();
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    private static string BrokenKeys(Trial t) => t.Rejected ?? string.Join(", ", t.Report.Broken.Select(v => v.Budget.Definition.Key));
}
