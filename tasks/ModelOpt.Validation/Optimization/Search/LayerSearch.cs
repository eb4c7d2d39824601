using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Validation.Optimization.Search;

/// <summary>
/// Accuracy-aware search. First each layer's sensitivity: the harm (accuracy drop with labels,
/// else 1 − cosine) when only that layer is rewritten, stepping down its ladder until a setting
/// alone breaks an output budget. Then layers are rewritten one step at a time in order of least
/// harm, each step kept only if the combined model still keeps the output budgets; a layer whose
/// step breaks them stays where it was. Finally every budget is checked, falling back layer by
/// layer (most harmful first) if the output budgets are broken. Everything is deterministic: the
/// samples, the order of trials and the SVDs do not depend on timing, only the time limit can cut
/// the search short.
/// </summary>
public sealed class LayerSearch
{
    private readonly SearchRequest _request;
    private readonly Model _original;
    private readonly BudgetSet _outputBudgets;
    private readonly List<string> _log = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IReadOnlyList<string> _basePasses;
    private readonly IReadOnlyList<string> _knobPasses;

    private sealed record Trial(ValidationReport Report, double Harm)
    {
        public bool Kept => Report.AllKept;
        public long? Flops => Report.CandidateFootprint.Flops;
    }

    private LayerSearch(SearchRequest request)
    {
        _request = request;
        _original = ModelLoader.Load(request.ModelPath);
        _outputBudgets = request.Budgets.Where(d => d.NeedsOutputs);
        var given = request.Passes.Where(p => !p.Equals("none", StringComparison.OrdinalIgnoreCase)).ToList();
        _knobPasses = given.Any(p => KnobCatalog.KnobPasses.Contains(p, StringComparer.OrdinalIgnoreCase))
            ? KnobCatalog.KnobPasses.Where(k => given.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList()
            : KnobCatalog.KnobPasses;
        _basePasses = given.Where(p => !KnobCatalog.KnobPasses.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    public static SearchOutcome Run(SearchRequest request)
    {
        if (!request.Budgets.NeedsOutputs)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--search needs a budget on the outputs to know how far it may go: --max-accuracy-drop, --min-agreement or --min-cosine.");
        return new LayerSearch(request).Search();
    }

    private SearchOutcome Search()
    {
        var knobs = KnobCatalog.For(_original, _knobPasses);
        Log($"search: {knobs.Count} layer(s) to tune ({string.Join(", ", knobs.Select(k => $"{k.Node} by {k.Pass}"))}); output budgets: {string.Join(", ", _outputBudgets.All.Select(b => b.Describe()))}; time limit {_request.TimeLimit.TotalSeconds:0} s.");
        var reference = Evaluate([]);
        if (!reference.Kept)
            return Fail(reference.Report, [], $"the passes {string.Join(", ", _basePasses)} alone already break the output budgets");

        // Sensitivity of each layer alone, mildest setting first.
        var alone = new Dictionary<(string Node, int Step), Trial>();
        foreach (var knob in knobs)
        {
            for (int step = 0; step < knob.Ladder.Count && !TimeUp(); step++)
            {
                var trial = Evaluate([(knob, step)]);
                alone[(knob.Node, step)] = trial;
                Log($"sensitivity {knob.Node} {knob.Ladder[step].Label}: harm {Harm(trial)}, FLOPs {Quantity.Format(trial.Flops ?? 0, QuantityKind.Flops)}{(trial.Kept ? "" : " — breaks " + BrokenKeys(trial))}");
                if (!trial.Kept) break; // a more aggressive setting of the same layer only does more harm
            }
        }

        // Rewrite one step at a time, least harm first.
        var chosen = new Dictionary<string, int>();
        var frozen = new HashSet<string>();
        var best = reference;
        while (!TimeUp())
        {
            var next = knobs.Where(k => !frozen.Contains(k.Node))
                .Select(k => (Knob: k, Step: chosen.GetValueOrDefault(k.Node, -1) + 1))
                .Where(c => alone.TryGetValue((c.Knob.Node, c.Step), out var t) && t.Kept)
                .OrderBy(c => alone[(c.Knob.Node, c.Step)].Harm).ThenBy(c => alone[(c.Knob.Node, c.Step)].Flops ?? long.MaxValue)
                .ThenBy(c => c.Knob.Node, StringComparer.Ordinal)
                .FirstOrDefault();
            if (next.Knob is null) break;
            var trial = Evaluate(Assignment(knobs, chosen, next.Knob.Node, next.Step));
            if (trial.Kept)
            {
                chosen[next.Knob.Node] = next.Step;
                best = trial;
                Log($"take {next.Knob.Node} {next.Knob.Ladder[next.Step].Label}: harm {Harm(trial)}, FLOPs {Quantity.Format(trial.Flops ?? 0, QuantityKind.Flops)}");
            }
            else
            {
                frozen.Add(next.Knob.Node);
                Log($"keep {next.Knob.Node} at {(chosen.TryGetValue(next.Knob.Node, out int s) ? next.Knob.Ladder[s].Label : "the original")}: {next.Knob.Ladder[next.Step].Label} with the others breaks {BrokenKeys(trial)}");
            }
        }
        if (TimeUp()) Log($"search: the time limit ({_request.TimeLimit.TotalSeconds:0} s) ran out; using the best settings found so far.");

        // Every budget now, falling back most harmful first while the output budgets are broken.
        var final = Evaluate(Assignment(knobs, chosen), _request.Budgets);
        while (final.Report.Broken.Any(v => v.Budget.Definition.NeedsOutputs) && chosen.Count > 0)
        {
            var worst = chosen.OrderByDescending(c => alone[(c.Key, c.Value)].Harm).ThenBy(c => c.Key, StringComparer.Ordinal).First();
            chosen.Remove(worst.Key);
            Log($"fall back: {worst.Key} left as it was");
            final = Evaluate(Assignment(knobs, chosen), _request.Budgets);
        }
        var config = ConfigFor(knobs, chosen);
        Log($"search: chose {(chosen.Count == 0 ? "no rewrite" : string.Join(", ", chosen.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {knobs.First(k => k.Node == c.Key).Ladder[c.Value].Label}")))} in {_clock.Elapsed.TotalSeconds:0.#} s.");
        if (!final.Kept) return Fail(final.Report, chosen, "no setting keeps every budget");
        return new SearchOutcome(config, Passes(), _log, null);
    }

    private SearchOutcome Fail(ValidationReport report, Dictionary<string, int> chosen, string why)
    {
        string best = $"the best reached: FLOPs {Quantity.Format(report.CandidateFootprint.Flops ?? 0, QuantityKind.Flops)}"
            + (report.FlopReduction is double r ? $" ({r:0.##}x fewer)" : "")
            + (report.Comparison?.AccuracyDrop is double d ? $", accuracy drop {d:0.##} points" : "")
            + (report.Comparison is { } c ? $", agreement {c.Agreement:0.####}, cosine {c.MinCosine:0.#####}" : "");
        var failure = BudgetBrokenException.From(_request.ModelPath, report with { SearchLog = _log },
            $"--search: {why}; {best}. Budget(s) that could not be met:");
        return new SearchOutcome(_request.Config, Passes(), _log, failure);
    }

    private IReadOnlyList<string> Passes() => [.. _basePasses, .. _knobPasses];

    private static List<(LayerKnob, int)> Assignment(IReadOnlyList<LayerKnob> knobs, Dictionary<string, int> chosen, string? extra = null, int step = 0)
    {
        var result = knobs.Where(k => chosen.ContainsKey(k.Node) && k.Node != extra).Select(k => (k, chosen[k.Node])).ToList();
        if (extra is not null) result.Add((knobs.First(k => k.Node == extra), step));
        return result;
    }

    // Every knob layer not in the assignment is left alone, so a trial rewrites exactly what it names.
    private OptimizeConfig ConfigFor(IReadOnlyList<LayerKnob> knobs, IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment) =>
        _request.Config.WithNodeSettings(knobs.Select(k =>
        {
            var set = assignment.FirstOrDefault(a => a.Knob.Node == k.Node);
            return (k.Node, k.Pass, set.Knob is null ? null : k.Ladder[set.Step].Settings);
        }), Passes());

    private OptimizeConfig ConfigFor(IReadOnlyList<LayerKnob> knobs, Dictionary<string, int> chosen) => ConfigFor(knobs, Assignment(knobs, chosen));

    private Trial Evaluate(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment, BudgetSet? budgets = null)
    {
        var knobs = KnobCatalog.For(_original, _knobPasses);
        var config = ConfigFor(knobs, assignment);
        var passes = _request.Registry.Parse(string.Join(',', Passes()));
        var candidate = CandidateBuilder.Build(_request.ModelPath, config, passes, _request.Validation.Bindings, _request.Calibration);
        var report = BudgetGate.Check(_request.ModelPath, candidate, budgets ?? _outputBudgets,
            _request.Validation with { Comparison = _request.Validation.Comparison with { LatencyRuns = budgets?.NeedsLatency == true ? _request.Validation.Comparison.LatencyRuns : 0 } });
        var c = report.Comparison;
        double harm = c is null ? 0 : c.AccuracyDrop ?? 1 - c.MinCosine;
        return new Trial(report, harm);
    }

    private static string Harm(Trial t) => t.Report.Comparison?.AccuracyDrop is double d
        ? $"{d.ToString("0.##", CultureInfo.InvariantCulture)} points"
        : $"1-cosine {t.Harm.ToString("0.####e0", CultureInfo.InvariantCulture)}";

    private static string BrokenKeys(Trial t) => string.Join(", ", t.Report.Broken.Select(v => v.Budget.Definition.Key));

    private bool TimeUp() => _clock.Elapsed > _request.TimeLimit;

    private void Log(string line) => _log.Add(line);
}
