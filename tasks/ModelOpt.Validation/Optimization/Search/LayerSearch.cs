using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
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
/// the search short and the int8 speed check (made once, on the final choice) can drop quantize.
/// </summary>
public sealed class LayerSearch
{
    private readonly SearchRequest _request;
    private readonly BudgetSet _outputBudgets;
    private readonly List<string> _log = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IReadOnlyList<string> _passes;
    private readonly IReadOnlyList<string> _knobPasses;
    private readonly bool _hasUnnamedNodes;
    private IReadOnlyList<LayerKnob> _knobs = [];

    private sealed record Trial(ValidationReport Report, double Harm, Candidate? Candidate)
    {
        public bool Kept => Report.AllKept;
        public long? Flops => Report.CandidateFootprint.Flops;
    }

    private LayerSearch(SearchRequest request)
    {
        _request = request;
        _outputBudgets = request.Budgets.Where(d => d.NeedsOutputs);
        var (passes, knobPasses) = TrialPasses(request.Passes);
        _passes = passes;
        _knobPasses = knobPasses;
        _hasUnnamedNodes = ModelLoader.Load(request.ModelPath).Graph.AllNodes().Any(n => n.Name.Length == 0);
    }

    public static SearchOutcome Run(SearchRequest request)
    {
        if (!request.Budgets.NeedsOutputs)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--search needs a budget on the outputs to know how far it may go: --max-accuracy-drop, --min-agreement or --min-cosine.");
        return new LayerSearch(request).Search();
    }

    /// <summary>
    /// The passes each trial runs and those the search turns. The user's order is kept, except that
    /// separable and lowrank are added (before refit) when no knob pass is named, and refit moves
    /// to just after the last of separable, lowrank and prune (so before quantize, whose Q/DQ weights
    /// refit cannot fit), and every trial is refit before it is measured.
    /// </summary>
    public static (IReadOnlyList<string> Passes, IReadOnlyList<string> KnobPasses) TrialPasses(IReadOnlyList<string> given)
    {
        string Canonical(string p) => KnobCatalog.KnobPasses.Append(RefitPass.PassName).FirstOrDefault(k => k.Equals(p, StringComparison.OrdinalIgnoreCase)) ?? p;
        var passes = given.Where(p => !p.Equals("none", StringComparison.OrdinalIgnoreCase)).Select(Canonical).ToList();
        if (!passes.Any(KnobCatalog.KnobPasses.Contains))
        {
            int refitAt = passes.IndexOf(RefitPass.PassName);
            passes.InsertRange(refitAt < 0 ? passes.Count : refitAt, KnobCatalog.DefaultPasses);
        }
        int refit = passes.IndexOf(RefitPass.PassName);
        int lastStructural = passes.FindLastIndex(KnobCatalog.StructuralPasses.Contains);
        if (refit >= 0 && lastStructural >= 0)
        {
            passes.RemoveAt(refit);
            passes.Insert(lastStructural > refit ? lastStructural : lastStructural + 1, RefitPass.PassName);
        }
        return (passes, KnobCatalog.KnobPasses.Where(passes.Contains).ToList());
    }

    private SearchOutcome Search()
    {
        _knobs = KnobCatalog.For(_request.ModelPath, _request.Config, _knobPasses);
        var knobs = _knobs;
        Log($"search: {knobs.Count} layer(s) to tune ({string.Join(", ", knobs.Select(Describe))}); passes {string.Join(", ", _passes)}; output budgets: {string.Join(", ", _outputBudgets.All.Select(b => b.Describe()))}; time limit {_request.TimeLimit.TotalSeconds:0} s.");
        var reference = Evaluate([]);
        if (!reference.Kept)
            return Fail(reference.Report, [], $"the passes {string.Join(", ", _passes.Except(_knobPasses))} alone already break the output budgets");

        // Sensitivity of each layer alone, mildest setting first.
        var alone = new Dictionary<(string Knob, int Step), Trial>();
        foreach (var knob in knobs)
        {
            for (int step = 0; step < knob.Ladder.Count && !TimeUp(); step++)
            {
                var trial = Evaluate([(knob, step)]);
                alone[(knob.Key, step)] = trial;
                Log($"sensitivity {knob.Key} {knob.Ladder[step].Label}: harm {Harm(trial)}, FLOPs {Quantity.Format(trial.Flops ?? 0, QuantityKind.Flops)}{(trial.Kept ? "" : " — breaks " + BrokenKeys(trial))}");
                if (!trial.Kept) break; // a more aggressive setting of the same layer only does more harm
            }
        }

        // Rewrite one step at a time, least harm first.
        var chosen = new Dictionary<string, int>();
        var frozen = new HashSet<string>();
        while (!TimeUp())
        {
            var next = knobs.Where(k => !frozen.Contains(k.Key))
                .Select(k => (Knob: k, Step: chosen.GetValueOrDefault(k.Key, -1) + 1))
                .Where(c => alone.TryGetValue((c.Knob.Key, c.Step), out var t) && t.Kept)
                .OrderBy(c => alone[(c.Knob.Key, c.Step)].Harm).ThenBy(c => alone[(c.Knob.Key, c.Step)].Flops ?? long.MaxValue)
                .ThenBy(c => c.Knob.Key, StringComparer.Ordinal)
                .FirstOrDefault();
            if (next.Knob is null) break;
            var trial = Evaluate(Assignment(chosen, next.Knob.Key, next.Step));
            if (trial.Kept)
            {
                chosen[next.Knob.Key] = next.Step;
                Log($"take {next.Knob.Key} {next.Knob.Ladder[next.Step].Label}: harm {Harm(trial)}, FLOPs {Quantity.Format(trial.Flops ?? 0, QuantityKind.Flops)}");
            }
            else
            {
                frozen.Add(next.Knob.Key);
                Log($"keep {next.Knob.Key} at {(chosen.TryGetValue(next.Knob.Key, out int s) ? next.Knob.Ladder[s].Label : "the original")}: {next.Knob.Ladder[next.Step].Label} with the others breaks {BrokenKeys(trial)}");
            }
        }
        if (TimeUp()) Log($"search: the time limit ({_request.TimeLimit.TotalSeconds:0} s) ran out; using the best settings found so far.");

        var final = FallBack(chosen, alone);
        var speed = SpeedCheck(final);
        if (speed is { Passed: false })
        {
            // The user asked for int8 or nothing: no fallback to float.
            if (final.Candidate?.RequiredChecks.Any(c => c.PassRequired) == true)
                QuantizationSpeedCheck.Enforce(speed, allowSlower: false, _request.ModelPath, "\"quantize\": { \"required\": true } is set");
            // int8 slower than fp32 is a broken speed budget, not an error: the search drops quantize
            // rather than fail, since a mixed model only adds float↔int8 conversions.
            var quantized = chosen.Keys.Where(k => Knob(k).Pass == QuantizePass.PassName).ToList();
            Log($"speed check: int8 is slower than fp32 ({speed}); every layer kept float.");
            if (quantized.Count > 0)
            {
                foreach (var key in quantized) chosen.Remove(key);
                final = FallBack(chosen, alone);
                speed = null;
            }
            else final = final with { Report = final.Report with { Verdicts = [.. final.Report.Verdicts, SlowerThanFloat(speed)] } };
        }
        var config = ConfigFor(Assignment(chosen));
        Log($"search: chose {(chosen.Count == 0 ? "no rewrite" : string.Join(", ", chosen.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {Knob(c.Key).Ladder[c.Value].Label}")))} in {_clock.Elapsed.TotalSeconds:0.#} s.");
        if (!final.Kept) return Fail(final.Report, chosen, "no setting keeps every budget");
        return new SearchOutcome(config, _passes, _log, null) { SpeedCheck = speed };
    }

    // Every budget now, falling back most harmful first while the output budgets are broken.
    private Trial FallBack(Dictionary<string, int> chosen, Dictionary<(string Knob, int Step), Trial> alone)
    {
        var final = Evaluate(Assignment(chosen), _request.Budgets);
        while (final.Report.Broken.Any(v => v.Budget.Definition.NeedsOutputs) && chosen.Count > 0)
        {
            var worst = chosen.OrderByDescending(c => alone[(c.Key, c.Value)].Harm).ThenBy(c => c.Key, StringComparer.Ordinal).First();
            chosen.Remove(worst.Key);
            Log($"fall back: {worst.Key} left as it was");
            final = Evaluate(Assignment(chosen), _request.Budgets);
        }
        return final;
    }

    // The speed check quantize asks for, made on the final choice only (it is the one timing-dependent step).
    private SpeedCheckResult? SpeedCheck(Trial final)
    {
        if (final.Candidate is not { } candidate) return null;
        var checks = candidate.RequiredChecks.Where(c => c.Kind == RequiredCheckKind.FasterThanOriginal).ToList();
        if (checks.Count == 0 || checks.All(c => c.Waived)) return null;
        var result = QuantizationSpeedCheck.MeasureAgainstSource(_request.ModelPath, candidate.Model, _request.Validation.Bindings, _request.Validation.Seed, _request.Validation.Session);
        Log($"speed check: {result}");
        return result;
    }

    private static BudgetVerdict SlowerThanFloat(SpeedCheckResult speed) =>
        new(new Budget(BudgetDefinition.MinSpeedup, 1, "the int8 speed check (quantize.allowSlower is false)"), speed.Speedup, false,
            "the pass 'quantize' made it slower than fp32", speed.ToString());

    private SearchOutcome Fail(ValidationReport report, Dictionary<string, int> chosen, string why)
    {
        string best = $"the best reached: FLOPs {Quantity.Format(report.CandidateFootprint.Flops ?? 0, QuantityKind.Flops)}"
            + (report.FlopReduction is double r ? $" ({r:0.##}x fewer)" : "")
            + (report.Comparison?.AccuracyDrop is double d ? $", accuracy drop {d:0.##} points" : "")
            + (report.Comparison is { } c ? $", agreement {c.Agreement:0.####}, cosine {c.MinCosine:0.#####}" : "");
        var failure = BudgetBrokenException.From(_request.ModelPath, report with { SearchLog = _log },
            $"--search: {why}; {best}. Budget(s) that could not be met:");
        return new SearchOutcome(_request.Config, _passes, _log, failure);
    }

    private LayerKnob Knob(string key) => _knobs.First(k => k.Key == key);

    private static string Describe(LayerKnob k) =>
        k.Members.Count > 1 ? $"{k.Key} (with {string.Join(", ", k.Members.Where(m => m != k.Node))})" : k.Key;

    private List<(LayerKnob, int)> Assignment(Dictionary<string, int> chosen, string? extra = null, int step = 0)
    {
        var result = _knobs.Where(k => chosen.ContainsKey(k.Key) && k.Key != extra).Select(k => (k, chosen[k.Key])).ToList();
        if (extra is not null) result.Add((Knob(extra), step));
        return result;
    }

    // Every knob layer not in the assignment is left alone (null), so a trial rewrites exactly what
    // it names; unnamed nodes, which no knob can address, are left alone by the knob passes too.
    private OptimizeConfig ConfigFor(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment)
    {
        var settings = _knobs.SelectMany(k =>
        {
            var set = assignment.FirstOrDefault(a => a.Knob.Key == k.Key);
            var value = set.Knob is null ? null : k.Ladder[set.Step].Settings;
            return k.Members.Select(m => (m, k.Pass, value));
        });
        if (_hasUnnamedNodes) settings = settings.Concat(_knobPasses.Select(p => ("", p, (System.Text.Json.Nodes.JsonObject?)null)));
        return _request.Config.WithNodeSettings(settings.ToList(), _passes);
    }

    private Trial Evaluate(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment, BudgetSet? budgets = null)
    {
        var config = ConfigFor(assignment);
        var passes = _request.Registry.Parse(string.Join(',', _passes));
        var candidate = CandidateBuilder.Build(_request.ModelPath, config, passes, _request.Validation.Bindings, _request.Calibration);
        var report = BudgetGate.Check(_request.ModelPath, candidate, budgets ?? _outputBudgets,
            _request.Validation with { Comparison = _request.Validation.Comparison with { LatencyRuns = budgets?.NeedsLatency == true ? _request.Validation.Comparison.LatencyRuns : 0 } });
        var c = report.Comparison;
        double harm = c is null ? 0 : c.AccuracyDrop ?? 1 - c.MinCosine;
        // Only the final check keeps the model (for the speed check); sensitivities would hold one per trial.
        return new Trial(report, harm, budgets is null ? null : candidate);
    }

    private static string Harm(Trial t) => t.Report.Comparison?.AccuracyDrop is double d
        ? $"{d.ToString("0.##", CultureInfo.InvariantCulture)} points"
        : $"1-cosine {t.Harm.ToString("0.####e0", CultureInfo.InvariantCulture)}";

    private static string BrokenKeys(Trial t) => string.Join(", ", t.Report.Broken.Select(v => v.Budget.Definition.Key));

    private bool TimeUp() => _clock.Elapsed > _request.TimeLimit;

    private void Log(string line) => _log.Add(line);
}
