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
using ModelOpt.Engine.Passes.Refit;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Accuracy-aware search in few full validations. First the sensitivity profile: one pass over
/// the calibration samples measures every knob setting's error on its own layer
/// (<see cref="SensitivityProfile"/>), and ranks the settings by harm per unit of saving. Then, for
/// the knobs that save MACs (rank, channels), a bisection on the ranked list finds the longest
/// prefix whose model, built and validated in full, still keeps the output budgets (each validation
/// halves the interval); for those that save time (int8), a walk down the list takes growing chunks
/// and leaves out the single settings that break the budgets (<see cref="Walk"/>). Finally every budget is checked on the
/// choice. Everything is deterministic (samples, ranking, SVDs); only the time limit can cut the
/// search short and the int8 speed check (made once, on the final choice) can drop quantize.
/// </summary>
public sealed partial class LayerSearch : IDisposable
{
    private readonly SearchRequest _request;
    private readonly BudgetSet _outputBudgets;
    private readonly SearchLog _log;
    private readonly Func<SearchTrial, TrialOutcome> _judge;
    private readonly IReadOnlyList<string> _passes;
    private readonly IReadOnlyList<string> _knobPasses;
    private readonly bool _hasUnnamedNodes;
    private readonly List<(string What, double Seconds)> _spent = [];
    // Seconds of full validations per layer at the boundary being tested (the layer whose setting a bisection step decided).
    private readonly Dictionary<string, double> _spentOn = new(StringComparer.Ordinal);
    private IReadOnlyList<LayerKnob> _knobs = [];
    private readonly Dictionary<string, KnobSaving> _saves = new(StringComparer.Ordinal);
    private bool _timeRanOut;
    // Until the time-saving knobs are listed (after the MAC-saving choice), trials leave their passes
    // out: a quantizer with no per-node choice yet would quantize every layer of every MAC trial.
    private bool _timeKnobsListed;
    private bool _refitAll;
    // Every choice a trial validated, in the order the search took them: where the confirmation
    // breaks a budget, the run steps back along these.
    private readonly List<(Dictionary<string, int> Plan, Trial Trial)> _validated = [];
    // Set when even every MAC-saving setting at once misses a static budget: no plan can keep it.
    private Trial? _unreachable;
    private readonly ClosestRefusedPlan _refused = new();

    private sealed record Trial(ValidationReport Report, double Harm, Candidate? Candidate)
    {
        public bool Kept => Rejected is null && Report.AllKept;
        public long? Flops => Report.CandidateFootprint.Flops;

        /// <summary>Why the trial's rewrite could not be judged at all (it does not run), or null.</summary>
        public string? Rejected { get; init; }
    }

    private LayerSearch(SearchRequest request)
    {
        // Every trial compares with the same original on the same samples: its outputs are run once.
        _request = request.Validation.Comparison.BaselineOutputs is null
            ? request with { Validation = request.Validation with { Comparison = request.Validation.Comparison with { BaselineOutputs = new BaselineOutputCache() } } }
            : request;
        var clock = Stopwatch.StartNew();
        _log = new SearchLog(request.Progress, request.Clock ?? (() => clock.Elapsed), request.TimeLimit, request.ProgressInterval);
        _judge = request.Judge ?? (trial => TrialJudge.Build(trial, request));
        _outputBudgets = request.Budgets.Where(d => d.NeedsOutputs);
        (_passes, _knobPasses) = TrialPasses(request.Passes, request.Registry);
        _hasUnnamedNodes = ModelLoader.Load(request.ModelPath).Graph.AllNodes().Any(n => n.Name.Length == 0);
    }

    public static SearchOutcome Run(SearchRequest request)
    {
        if (!request.Budgets.NeedsOutputs)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, $"{OptionNames.Search.Name} needs a budget on the outputs to know how far it may go: {SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop)}, {SettingNames.Budget(BudgetDefinition.MinAgreement)} or {SettingNames.Budget(BudgetDefinition.MinCosine)}.");
        if (request.Calibration is null)
            throw new ModelOptException(ErrorCode.InvalidArgument, request.ModelPath, $"{OptionNames.Search.Name} needs calibration samples for its sensitivity profile (synthetic ones are given when no {OptionNames.Data.Name} is).");
        var refitting = SearchRefitDefault.Apply(request);
        using var search = new LayerSearch(refitting) { _refitAll = !ReferenceEquals(refitting, request) };
        return search.Search();
    }

    public void Dispose() => _log.Dispose();


    /// <summary>
    /// The passes each trial runs and those the search turns. The user's order is kept, except that
    /// refit, when named, runs right after each pass whose knobs save MACs (and nowhere else: before
    /// int8, whose Q/DQ weights refit cannot fit), so each compression is refit before the next one
    /// works on its layers (a pruned Gemm is refit on all its inputs before lowrank factorizes it).
    /// When the user names no knob pass, every pass that declares knobs is considered, in the
    /// registry's order, with refit after each compressing one.
    /// </summary>
    public static (IReadOnlyList<string> Passes, IReadOnlyList<string> KnobPasses) TrialPasses(IReadOnlyList<string> given, PassRegistry? registry = null)
    {
        registry ??= PassRegistry.Default;
        var providers = KnobCatalog.Providers(registry);
        var compressing = providers.Where(p => p.Saves == KnobSaving.Macs).Select(p => p.Name).ToList();
        var passes = given.Where(p => !p.Equals("none", StringComparison.OrdinalIgnoreCase)).Select(registry.Canonical).ToList();
        bool refit = passes.Contains(RefitPass.PassName);
        if (!passes.Any(p => providers.Any(k => k.Name == p)))
        {
            int at = passes.IndexOf(RefitPass.PassName);
            if (at < 0) at = passes.Count;
            passes.InsertRange(at, compressing);
            passes.AddRange(providers.Where(p => p.Saves != KnobSaving.Macs).Select(p => p.Name));
            refit = true;
        }
        if (refit && passes.Any(compressing.Contains))
        {
            passes.RemoveAll(p => p == RefitPass.PassName);
            for (int i = passes.Count - 1; i >= 0; i--)
                if (compressing.Contains(passes[i])) passes.Insert(i + 1, RefitPass.PassName);
        }
        return (passes, providers.Select(p => p.Name).Where(passes.Contains).ToList());
    }

    private SearchOutcome Search()
    {
        var pipeline = _request.Registry.Parse(string.Join(',', _passes));
        // The model the knob passes first see: after the passes before them that keep outputs (freeze).
        var prefix = pipeline.TakeWhile(p => p is not IKnobProvider && p.Name != RefitPass.PassName).ToList();
        var prepared = CandidateBuilder.Build(_request.ModelPath, _request.Config, prefix, _request.Validation.Bindings, null).Model;
        Log($"search: passes {string.Join(", ", _passes)}; output budgets: {string.Join(", ", _outputBudgets.All.Select(b => b.Describe()))}; time limit {_request.TimeLimit.TotalSeconds:0} s.");
        if (_request.SplitNote is { } split) Log(split);
        foreach (var line in _request.UpFront) Log($"search: warning {line}");
        if (_refitAll) Log("search: refit fits every layer whose inputs changed (\"refit\": { \"layers\": \"all\" }): this model is small enough for it to cost little.");

        var chosen = new Dictionary<string, int>();
        SensitivityProfile? profile = null;
        foreach (var saves in new[] { KnobSaving.Macs, KnobSaving.Time })
        {
            var providers = pipeline.OfType<IKnobProvider>().Where(p => p.Saves == saves).ToList();
            if (providers.Count == 0) continue;
            if (TimeUp())
            {
                _timeRanOut = true;
                break;
            }
            // Time-saving knobs (int8) are listed on the model as the MAC-saving choice and refit
            // left it, so the layers those passes created (a factorized conv's halves) are knobs too.
            var basis = prepared;
            if (saves == KnobSaving.Time && _knobs.Count > 0)
            {
                _log.Doing("building the model the MAC-saving choice makes, to list its int8 knobs");
                var before = _request.Registry.Parse(string.Join(',', PassesFor(Assignment(chosen)))).ToList();
                basis = CandidateBuilder.Build(_request.ModelPath, ConfigFor(Assignment(chosen)), before, _request.Validation.Bindings, _request.Calibration).Model;
            }
            var sets = KnobCatalog.For(basis, _request.Config, providers, _request.Validation.Bindings, _request.ModelPath);
            if (saves == KnobSaving.Time) _timeKnobsListed = true;
            _knobs = [.. _knobs, .. sets.SelectMany(s => s.Knobs)];
            foreach (var knob in sets.SelectMany(s => s.Knobs)) _saves[knob.Key] = saves;
            Log($"search: {sets.Sum(s => s.Knobs.Count)} layer(s) to tune by {string.Join(", ", sets.Select(s => $"{s.Pass.Name} ({s.Knobs.Count})"))}.");
            _log.Doing($"measuring the sensitivity profile of {sets.Sum(s => s.Knobs.Count)} layer(s)");
            profile = SensitivityProfile.Measure(sets.Select(s => new SensitivityProfile.KnobSet(s.Pass.Saves, s.Model, s.Knobs)).ToList(), _request.Calibration!, _request.Validation.Seed);
            _spent.Add(("sensitivity profile", profile.Elapsed.TotalSeconds));
            LogProfile(profile);
            (profile, var probed) = AtOutput(profile, saves, sets[0].Model, chosen);
            // Alternative forms of a setting (static int8 where dynamic comes first) are weighed on the walk's choice, not walked.
            var alternatives = profile.Ranked(saves).Where(IsAlternative).ToList();
            IReadOnlyList<RankedMove> moves = RiskyLast(profile.Ranked(saves).Where(m => !IsAlternative(m)).ToList(), probed);
            var ranked = moves;
            if (saves == KnobSaving.Time) moves = WithoutTimeLost(moves);
            if (ranked.Count == 0) continue;
            if (TimeUp())
            {
                _timeRanOut = true;
                break;
            }
            Trial? laidOut = null;
            if (saves == KnobSaving.Time) (moves, laidOut) = ChooseStructure(providers, basis, ranked, moves, chosen);
            if (moves.Count == 0) continue;
            (chosen, var last) = saves == KnobSaving.Macs ? Bisect(moves, chosen) : Walk(moves, chosen, laidOut);
            if (saves == KnobSaving.Time)
            {
                chosen = WeighDeferred(chosen, last);
                chosen = WeighAlternatives(chosen, alternatives);
            }
            if (_unreachable is { } all)
            {
                Log($"search: even every MAC-saving setting at once misses {string.Join(", ", StaticVerdicts(all).Where(v => !v.Kept).Select(v => v.Headline()))}: no choice of these passes keeps it, so the search stops here.");
                return Fail(all.Report with { Verdicts = [.. all.Report.Verdicts, .. StaticVerdicts(all)] }, "no setting of these passes reaches the static budget(s), not even all of them at once");
            }
        }
        if (_timeRanOut) Log($"search: the time limit ({_request.TimeLimit.TotalSeconds:0} s) ran out; using the best settings found so far.");
        if (_timeRanOut && chosen.Count == 0)
        {
            // Nothing to check that the run's own final check (on the confirmation samples) does not check anyway.
            string ranOut = $"{OptionNames.SearchTime.Name} ({_request.TimeLimit.TotalSeconds:0} s) ran out before the search found any saving: the original layers are kept. {TimeSpent()}; raise {OptionNames.SearchTime.Name} to let it finish.";
            Log($"search: chose no rewrite; {ranOut}");
            return new SearchOutcome(ConfigFor([]), OutcomePasses([]), _log.Lines, null) { TimeRanOut = ranOut, Profile = profile };
        }

        var final = Evaluate(Assignment(chosen), _request.Budgets, "final check, every budget");
        _log.Doing("timing int8 against fp32 on the choice (interleaved pairs of runs)");
        var speed = SpeedCheck(final);
        if (speed is { Passed: false })
        {
            // The user asked for int8 or nothing: no fallback to float.
            if (final.Candidate?.RequiredChecks.Any(c => c.PassRequired) == true)
                QuantizationSpeedCheck.Enforce(speed, allowSlower: false, _request.ModelPath, "\"quantize\": { \"required\": true } is set");
            // int8 slower than fp32 is a broken speed budget, not an error: the search drops the
            // time-saving knobs rather than fail, since a mixed model only adds float↔int8 conversions.
            var timeKnobs = chosen.Keys.Where(k => _saves[k] == KnobSaving.Time).ToList();
            Log($"speed check: int8 is not measurably faster than fp32 ({speed}); every layer kept float.");
            if (timeKnobs.Count > 0)
            {
                foreach (var key in timeKnobs) chosen.Remove(key);
                final = Evaluate(Assignment(chosen), _request.Budgets, "final check without int8");
                speed = null;
            }
            else final = final with { Report = final.Report with { Verdicts = [.. final.Report.Verdicts, SlowerThanFloat(speed)] } };
        }
        // The int8 layers add QuantizeLinear/DequantizeLinear arithmetic to the count: a FLOP budget the
        // MAC-saving choice kept in float can break once they join. Then float is the choice that keeps
        // every budget, unless the user asked for int8 or nothing.
        var int8Knobs = chosen.Keys.Where(k => _saves[k] == KnobSaving.Time).ToList();
        if (!final.Kept && int8Knobs.Count > 0 && final.Candidate?.RequiredChecks.Any(c => c.PassRequired) != true)
        {
            var withoutInt8 = new Dictionary<string, int>(chosen);
            foreach (var key in int8Knobs) withoutInt8.Remove(key);
            var floatFinal = Evaluate(Assignment(withoutInt8), _request.Budgets, "final check without int8");
            if (floatFinal.Kept)
            {
                Log($"search: with its int8 layers the choice breaks {BrokenKeys(final)}; without them it keeps every budget: every layer kept float.");
                chosen = withoutInt8;
                final = floatFinal;
                speed = null;
            }
        }
        var config = ConfigFor(Assignment(chosen));
        Log($"search: chose {(chosen.Count == 0 ? "no rewrite" : Describe(chosen))}{(_structure.Count > 0 ? $"; layout: {string.Join(", ", _structure)}" : "")} in {_log.Elapsed.TotalSeconds:0.#} s.");
        Log($"search: {TimeSpent()}.");
        if (final.Report.Comparison is { } c) Log($"search: chosen on {c.SampleDescription}.");
        if (!final.Kept) return Fail(final.Report, "no setting keeps every budget" + (_refused.Describe() is { } refused ? $" ({refused})" : ""));
        return new SearchOutcome(config, OutcomePasses(chosen), _log.Lines, null) { SpeedCheck = speed, Profile = profile, Fallbacks = Fallbacks(chosen), CutShort = CutShort() };
    }

    private void LogProfile(SensitivityProfile profile)
    {
        Log($"profile: {profile.Knobs.Count} knob(s), {profile.Knobs.Sum(k => k.Steps.Count)} setting(s) measured layer by layer on {profile.Samples} calibration sample(s) in {profile.Elapsed.TotalSeconds:0.#} s.");
        foreach (var unmeasured in profile.Knobs.Where(k => !k.Measured))
            Log($"profile: {unmeasured.Knob.Key} could not be measured on its own (a layer the profile cannot recompute); left as it is.");
        foreach (var saves in new[] { KnobSaving.Macs, KnobSaving.Time })
        {
            var ranked = profile.Ranked(saves);
            if (ranked.Count == 0) continue;
            string Line(RankedMove m) => $"{m.Knob.Knob.Key} {m.Knob.Knob.Ladder[m.Step].Label} (1/SQNR {m.Knob.Steps[m.Step].Harm.ToString("0.###e0", CultureInfo.InvariantCulture)})";
            Log($"profile: least harm per saving ({(saves == KnobSaving.Macs ? "MACs" : "time")}): {string.Join(", ", ranked.Take(3).Select(Line))}");
            Log($"profile: most harm per saving ({(saves == KnobSaving.Macs ? "MACs" : "time")}): {string.Join(", ", ranked.TakeLast(Math.Min(5, ranked.Count)).Reverse().Select(Line))}");
        }
    }

    // The speed check quantize asks for, made on the final choice only (it is the one timing-dependent step).
    private SpeedCheckResult? SpeedCheck(Trial final)
    {
        if (final.Candidate is not { } candidate) return null;
        var checks = candidate.RequiredChecks.Where(c => c.Kind == RequiredCheckKind.FasterThanOriginal).ToList();
        if (checks.Count == 0 || checks.All(c => c.Waived)) return null;
        var result = QuantizationSpeedCheck.MeasureAgainstSource(_request.ModelPath, candidate.Model, _request.Validation.Bindings, _request.Validation.Seed, _request.Validation.Session, _request.Validation.DataPath);
        Log($"speed check: {result}");
        return result;
    }

    private static BudgetVerdict SlowerThanFloat(SpeedCheckResult speed) =>
        new(new Budget(BudgetDefinition.MinSpeedup, 1, "the int8 speed check (quantize.allowSlower is false)"), speed.Speedup, false,
            "the pass 'quantize' made it slower than fp32", speed.ToString());

    private SearchOutcome Fail(ValidationReport report, string why)
    {
        string best = $"the closest it got: FLOPs {(report.CandidateFootprint.Flops is long flops ? Quantity.Format(flops, QuantityKind.Flops) : "not counted")}"
            + (report.FlopReduction is double r ? $" ({r:0.##}x fewer)" : "")
            + (report.Comparison is { BaselineAccuracy: double a, CandidateAccuracy: double b } ? $", accuracy {ReportNumbers.AccuracyChange(a, b)}" : "")
            + (report.Comparison is { } c ? $", agreement {ReportNumbers.Agreement(c.Agreement)}, cosine {c.MinCosine:0.#####}" : "");
        string spent = TimeSpent();
        var failure = BudgetBrokenException.From(_request.ModelPath, report with { SearchLog = _log.Lines },
            $"{OptionNames.Search.Name}: {why}; {best}; {spent}. Budget(s) that could not be met:");
        return new SearchOutcome(_request.Config, _passes, _log.Lines, failure);
    }

    private string TimeSpent()
    {
        double profile = _spent.Where(s => s.What == "sensitivity profile").Sum(s => s.Seconds);
        var validations = _spent.Where(s => s.What != "sensitivity profile").ToList();
        string layers = string.Join(", ", _spentOn.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:0.#} s"));
        return $"time spent: sensitivity profile {profile:0.#} s, {validations.Count} full validation(s) {validations.Sum(v => v.Seconds):0.#} s"
            + (layers.Length > 0 ? $", deciding {layers}" : "");
    }

    private string Describe(Dictionary<string, int> chosen)
    {
        var byPass = chosen.GroupBy(c => Knob(c.Key).Pass).ToList();
        return string.Join("; ", byPass.Select(g =>
        {
            var items = g.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{Knob(c.Key).Node} {Knob(c.Key).Ladder[c.Value].Label}").ToList();
            int total = _knobs.Count(k => k.Pass == g.Key);
            return items.Count > 12 ? $"{g.Key} on {items.Count} of {total} layers ({total - items.Count} left as they are: {string.Join(", ", _knobs.Where(k => k.Pass == g.Key && !chosen.ContainsKey(k.Key)).Select(k => k.Node))})"
                : string.Join(", ", items.Select(i => $"{i} by {g.Key}"));
        }));
    }

    private LayerKnob Knob(string key) => _knobs.First(k => k.Key == key);

    private List<(LayerKnob, int)> Assignment(Dictionary<string, int> chosen) =>
        _knobs.Where(k => chosen.ContainsKey(k.Key)).Select(k => (k, chosen[k.Key])).ToList();

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
        settings = settings.Concat(StructureSettings());
        return _request.Config.WithNodeSettings(settings.ToList(), _passes);
    }

    private bool TimeUp() => _log.TimeUp();

    /// <summary>
    /// What to warn when the time limit cut the search short. Every step of the search is fixed by the
    /// model, the samples and the budgets (the bisection's halvings, the walk's chunks), so a search
    /// that finishes makes the same plan on a busy machine as on an idle one; one the limit cuts takes
    /// the best found by then, and that depends on how fast the machine ran. The limit is a safety
    /// stop, and the user is told when it decided.
    /// </summary>
    private string? CutShort() => _timeRanOut
        ? $"{OptionNames.SearchTime.Name} ({_request.TimeLimit.TotalSeconds:0} s) cut the search short: the plan is the best it had validated by then, so another run on a faster or less busy machine may choose more. {TimeSpent()}; raise {OptionNames.SearchTime.Name} to let it finish, and the plan no longer depends on the machine's speed."
        : null;

    // The passes the run builds the choice with, as its trials were built.
    private IReadOnlyList<string> OutcomePasses(Dictionary<string, int> chosen) => PassesFor(Assignment(chosen));

    /// <summary>
    /// The passes a trial of <paramref name="assignment"/> runs: without the time-saving ones until
    /// their knobs are listed (the MAC phase, or a search whose time ran out before), and without a
    /// refit right after a knob pass the assignment turns no knob of. That pass changes nothing, and
    /// refit again would only fit the layers already refit once more: with <c>"layers": "all"</c>
    /// every layer after a change, a Gemm of thousands of inputs included, each time.
    /// </summary>
    private IReadOnlyList<string> PassesFor(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment)
    {
        var turned = assignment.Select(a => a.Knob.Pass).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        for (int i = 0; i < _passes.Count; i++)
        {
            var pass = _request.Registry.Create(_passes[i]);
            if (!_timeKnobsListed && pass is IKnobProvider { Saves: KnobSaving.Time }) continue;
            if (pass.Name == RefitPass.PassName && i > 0 && _request.Registry.Create(_passes[i - 1]) is IKnobProvider before && !turned.Contains(before.Name)) continue;
            result.Add(_passes[i]);
        }
        return result;
    }

    private void Log(string line)
    {
        _log.Write(line);
    }
}
