using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Refit;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Accuracy-aware search in few full validations. First the sensitivity profile: one pass over
/// the calibration samples measures every knob setting's error on its own layer
/// (<see cref="SensitivityProfile"/>), and ranks the settings by harm per unit of saving. Then, for
/// the knobs that save MACs (rank, channels), a bisection on the ranked list finds the longest
/// prefix whose model, built and validated in full, still keeps the output budgets (each validation
/// halves the interval: <see cref="MacBisection"/>); for those that save time (int8), the output
/// probe checks the ranking segment by segment (<see cref="OutputProbe"/>), the layout choices are
/// weighed (<see cref="StructurePhase"/>), and a walk down the list takes growing chunks and leaves
/// out the single settings that break the budgets (<see cref="Int8Walk"/>); the speed choices put
/// off and the alternative forms are weighed on its choice (<see cref="DeferredSpeedChoices"/>,
/// <see cref="AlternativeForms"/>). Finally every budget is checked on the choice
/// (<see cref="FinalCheck"/>). Everything is deterministic (samples, ranking, SVDs); only the time
/// limit can cut the search short and the int8 speed check (made once, on the final choice) can
/// drop quantize.
///
/// This class is the orchestrator. What is chosen so far and how it becomes a config is the
/// <see cref="SearchPlan"/>'s; building and judging a trial, and the account of time spent and
/// choices validated, the <see cref="TrialEvaluator"/>'s; the lines and the clock (whether the time
/// limit cut the search short included), the <see cref="SearchLog"/>'s.
/// </summary>
public sealed class LayerSearch : IDisposable
{
    private readonly SearchRequest _request;
    private readonly SearchLog _log;
    private readonly SearchPlan _plan;
    private readonly TrialEvaluator _trials;
    private readonly bool _refitAll;

    private LayerSearch(SearchRequest request, bool refitAll)
    {
        // Every trial compares with the same original on the same samples: its outputs are run once.
        _request = request.Validation.Comparison.BaselineOutputs is null
            ? request with { Validation = request.Validation with { Comparison = request.Validation.Comparison with { BaselineOutputs = new BaselineOutputCache() } } }
            : request;
        _refitAll = refitAll;
        var clock = Stopwatch.StartNew();
        _log = new SearchLog(request.Progress, request.Clock ?? (() => clock.Elapsed), request.TimeLimit, request.ProgressInterval);
        _plan = new SearchPlan(_request);
        _trials = new TrialEvaluator(_request, _plan, _log);
    }

    public static SearchOutcome Run(SearchRequest request)
    {
        if (!request.Budgets.NeedsOutputs)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, $"{OptionNames.Search.Name} needs a budget on the outputs to know how far it may go: {SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop)}, {SettingNames.Budget(BudgetDefinition.MinAgreement)} or {SettingNames.Budget(BudgetDefinition.MinCosine)}.");
        if (request.Calibration is null)
            throw new ModelOptException(ErrorCode.InvalidArgument, request.ModelPath, $"{OptionNames.Search.Name} needs calibration samples for its sensitivity profile (synthetic ones are given when no {OptionNames.Data.Name} is).");
        var refitting = SearchRefitDefault.Apply(request);
        using var search = new LayerSearch(refitting, refitAll: !ReferenceEquals(refitting, request));
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
    public static (IReadOnlyList<string> Passes, IReadOnlyList<string> KnobPasses) TrialPasses(IReadOnlyList<string> given, PassRegistry? registry = null) =>
        SearchPlan.TrialPasses(given, registry);

    private SearchOutcome Search()
    {
        var pipeline = _request.Registry.Parse(string.Join(',', _plan.Passes));
        // The model the knob passes first see: after the passes before them that keep outputs (freeze).
        var prefix = pipeline.TakeWhile(p => p is not IKnobProvider && p.Name != RefitPass.PassName).ToList();
        var prepared = CandidateBuilder.Build(_request.ModelPath, _request.Config, prefix, _request.Validation.Bindings, null).Model;
        Log($"search: passes {string.Join(", ", _plan.Passes)}; output budgets: {string.Join(", ", _trials.OutputBudgets.All.Select(b => b.Describe()))}; time limit {_request.TimeLimit.TotalSeconds:0} s.");
        if (_request.SplitNote is { } split) Log(split);
        foreach (var line in _request.UpFront) Log($"search: warning {line}");
        if (_refitAll) Log("search: refit fits every layer whose inputs changed (\"refit\": { \"layers\": \"all\" }): this model is small enough for it to cost little.");

        var chosen = new Dictionary<string, int>();
        SensitivityProfile? profile = null;
        var probe = new OutputProbe(_request, _plan, _trials, _log);
        foreach (var saves in new[] { KnobSaving.Macs, KnobSaving.Time })
        {
            var providers = pipeline.OfType<IKnobProvider>().Where(p => p.Saves == saves).ToList();
            if (providers.Count == 0) continue;
            if (_log.OutOfTime()) break;
            var (basis, listed, measured) = ListAndProfile(saves, providers, prepared, chosen);
            (profile, var probed) = probe.AtOutput(measured, saves, listed, chosen);
            // Alternative forms of a setting (static int8 where dynamic comes first) are weighed on the walk's choice, not walked.
            var alternatives = profile.Ranked(saves).Where(AlternativeForms.IsAlternative).ToList();
            IReadOnlyList<RankedMove> ranked = probe.RiskyLast(profile.Ranked(saves).Where(m => !AlternativeForms.IsAlternative(m)).ToList(), probed);
            var timeSaving = saves == KnobSaving.Time ? probe.WithoutTimeLost(ranked) : ranked;
            if (ranked.Count == 0) continue;
            if (_log.OutOfTime()) break;
            if (saves == KnobSaving.Macs)
            {
                var bisected = new MacBisection(_request, _plan, _trials, _log).Run(ranked, chosen);
                if (bisected.Unreachable is { } all) return Unreachable(all);
                chosen = bisected.Chosen;
                continue;
            }
            var structure = new StructurePhase(_request, _plan, _trials, _log).Run(providers, basis, ranked, timeSaving, chosen);
            if (structure.Moves.Count == 0) continue;
            var walk = new Int8Walk(_plan, _trials, _log).Run(structure.Moves, chosen, structure.All);
            chosen = new DeferredSpeedChoices(_plan, _trials, _log).Run(walk.Chosen, walk.Last, structure.Deferred, walk.Walked);
            chosen = new AlternativeForms(_plan, _trials, _log).Run(chosen, alternatives);
        }
        if (_log.TimeRanOut) Log($"search: the time limit ({_request.TimeLimit.TotalSeconds:0} s) ran out; using the best settings found so far.");
        if (_log.TimeRanOut && chosen.Count == 0)
        {
            // Nothing to check that the run's own final check (on the confirmation samples) does not check anyway.
            string ranOut = $"{OptionNames.SearchTime.Name} ({_request.TimeLimit.TotalSeconds:0} s) ran out before the search found any saving: the original layers are kept. {_trials.TimeSpent()}; raise {OptionNames.SearchTime.Name} to let it finish.";
            Log($"search: chose no rewrite; {ranOut}");
            return new SearchOutcome(_plan.ConfigFor([]), _plan.OutcomePasses([]), _log.Lines, null) { TimeRanOut = ranOut, Profile = profile };
        }

        (chosen, var final, var speed) = new FinalCheck(_request, _plan, _trials, _log).Run(chosen);
        var config = _plan.ConfigFor(_plan.Assignment(chosen));
        Log($"search: chose {(chosen.Count == 0 ? "no rewrite" : _plan.Describe(chosen))}{(_plan.Structure.Count > 0 ? $"; layout: {string.Join(", ", _plan.Structure)}" : "")} in {_log.Elapsed.TotalSeconds:0.#} s.");
        Log($"search: {_trials.TimeSpent()}.");
        if (final.Report.Comparison is { } c) Log($"search: chosen on {c.SampleDescription}.");
        if (!final.Kept) return Fail(final.Report, "no setting keeps every budget" + (_trials.ClosestRefused is { } refused ? $" ({refused})" : ""));
        return new SearchOutcome(config, _plan.OutcomePasses(chosen), _log.Lines, null) { SpeedCheck = speed, Profile = profile, Fallbacks = _trials.Fallbacks(chosen), CutShort = CutShort() };
    }

    /// <summary>
    /// Lists the knobs of one kind of saving and measures their sensitivity profile. Time-saving knobs
    /// (int8) are listed on the model as the MAC-saving choice and refit left it, so the layers those
    /// passes created (a factorized conv's halves) are knobs too. Returns the model the providers were
    /// offered, the model the first pass's knobs were listed on, and the profile.
    /// </summary>
    private (Engine.IR.Model Basis, Engine.IR.Model Listed, SensitivityProfile Profile) ListAndProfile(KnobSaving saves, IReadOnlyList<IKnobProvider> providers,
        Engine.IR.Model prepared, Dictionary<string, int> chosen)
    {
        var basis = prepared;
        if (saves == KnobSaving.Time && _plan.Knobs.Count > 0)
        {
            _log.Doing("building the model the MAC-saving choice makes, to list its int8 knobs");
            var before = _request.Registry.Parse(string.Join(',', _plan.PassesFor(_plan.Assignment(chosen)))).ToList();
            basis = CandidateBuilder.Build(_request.ModelPath, _plan.ConfigFor(_plan.Assignment(chosen)), before, _request.Validation.Bindings, _request.Calibration).Model;
        }
        var sets = KnobCatalog.For(basis, _request.Config, providers, _request.Validation.Bindings, _request.ModelPath);
        _plan.List(sets.SelectMany(s => s.Knobs), saves);
        Log($"search: {sets.Sum(s => s.Knobs.Count)} layer(s) to tune by {string.Join(", ", sets.Select(s => $"{s.Pass.Name} ({s.Knobs.Count})"))}.");
        _log.Doing($"measuring the sensitivity profile of {sets.Sum(s => s.Knobs.Count)} layer(s)");
        var profile = SensitivityProfile.Measure(sets.Select(s => new SensitivityProfile.KnobSet(s.Pass.Saves, s.Model, s.Knobs)).ToList(), _request.Calibration!, _request.Validation.Seed);
        _trials.ProfileTook(profile.Elapsed.TotalSeconds);
        LogProfile(profile);
        return (basis, sets[0].Model, profile);
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

    private SearchOutcome Unreachable(JudgedTrial all)
    {
        Log($"search: even every MAC-saving setting at once misses {string.Join(", ", _trials.StaticVerdicts(all).Where(v => !v.Kept).Select(v => v.Headline()))}: no choice of these passes keeps it, so the search stops here.");
        return Fail(all.Report with { Verdicts = [.. all.Report.Verdicts, .. _trials.StaticVerdicts(all)] }, "no setting of these passes reaches the static budget(s), not even all of them at once");
    }

    private SearchOutcome Fail(ValidationReport report, string why)
    {
        string best = $"the closest it got: FLOPs {(report.CandidateFootprint.Flops is long flops ? Quantity.Format(flops, QuantityKind.Flops) : "not counted")}"
            + (report.FlopReduction is double r ? $" ({r:0.##}x fewer)" : "")
            + (report.Comparison is { BaselineAccuracy: double a, CandidateAccuracy: double b } ? $", accuracy {ReportNumbers.AccuracyChange(a, b)}" : "")
            + (report.Comparison is { } c ? $", agreement {ReportNumbers.Agreement(c.Agreement)}, cosine {c.MinCosine:0.#####}" : "");
        string spent = _trials.TimeSpent();
        var failure = BudgetBrokenException.From(_request.ModelPath, report with { SearchLog = _log.Lines },
            $"{OptionNames.Search.Name}: {why}; {best}; {spent}. Budget(s) that could not be met:");
        return new SearchOutcome(_request.Config, _plan.Passes, _log.Lines, failure);
    }

    /// <summary>
    /// What to warn when the time limit cut the search short. Every step of the search is fixed by the
    /// model, the samples and the budgets (the bisection's halvings, the walk's chunks), so a search
    /// that finishes makes the same plan on a busy machine as on an idle one; one the limit cuts takes
    /// the best found by then, and that depends on how fast the machine ran. The limit is a safety
    /// stop, and the user is told when it decided.
    /// </summary>
    private string? CutShort() => _log.TimeRanOut
        ? $"{OptionNames.SearchTime.Name} ({_request.TimeLimit.TotalSeconds:0} s) cut the search short: the plan is the best it had validated by then, so another run on a faster or less busy machine may choose more. {_trials.TimeSpent()}; raise {OptionNames.SearchTime.Name} to let it finish, and the plan no longer depends on the machine's speed."
        : null;

    private void Log(string line) => _log.Write(line);
}
