using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Search;

// The structure phase: the passes' layout choices (StructureKnob) weighed on every ranked layer at once, before the walk.
public sealed partial class LayerSearch
{
    // The layout choices taken, in the order taken: their per-node settings go into every trial's config after.
    private readonly List<StructureKnob> _structure = [];

    // Speed choices no layout with every ranked layer int8 could judge (the budgets broke either way): weighed on the walk's choice.
    private readonly List<StructureKnob> _deferred = [];

    /// <summary>
    /// The speed choices left for the walk's choice (<paramref name="last"/>, its last trial that
    /// kept the budgets): each taken when it keeps them there too and the paired interleaved runs
    /// show it faster beyond their noise. The walk takes int8 layers until the budgets' room is spent,
    /// so a speed choice that adds any error breaks them on its last choice by construction, however
    /// much faster it is (det: integer hard-swish, 24 float islands, broke the per-sample floor there).
    /// Then it competes with the last layers the walk took for that room: it is tried with fewer of
    /// the walk's settings (the last taken, most harmful per saving, given up first), by bisection
    /// (at most <see cref="StepBackTrials"/> validations), and the most aggressive list that keeps the
    /// budgets with it is timed against the walk's choice without it; the clock decides.
    /// Returns the choice, the walk's or the one stepped back to.
    /// </summary>
    private Dictionary<string, int> WeighDeferred(Dictionary<string, int> chosen, Trial? last)
    {
        if (_deferred.Count == 0 || last is not { Kept: true }) return chosen;
        foreach (var knob in _deferred)
        {
            if (TimeUp())
            {
                _timeRanOut = true;
                break;
            }
            var assignment = Assignment(chosen);
            var laidOut = TrialOf(assignment);
            _structure.Add(knob);
            var trial = Evaluate(assignment, null, $"structure: {knob.Name} on the walk's choice");
            if (trial.Kept || trial.Rejected is not null)
            {
                var (take, why) = Weigh(knob.Gain, knob.Name, last, trial, () => TimeStructure(laidOut, TrialOf(assignment)));
                Log($"structure: {knob.Name} {(take ? "taken" : "left")} on the walk's choice: {why}.");
                if (take) last = trial;
                else _structure.Remove(knob);
                continue;
            }
            if (StepBackFor(knob, chosen, laidOut) is { } stepped)
            {
                chosen = stepped.Plan;
                last = stepped.Trial;
            }
            else _structure.Remove(knob);
        }
        _deferred.Clear();
        return chosen;
    }

    // Validations a speed choice may spend looking for room among the walk's settings (1/32 of them resolved).
    private const int StepBackTrials = 5;

    /// <summary>
    /// <paramref name="knob"/> (already in the layout) on shorter lists of what the walk took: the
    /// most aggressive that keeps the budgets with it, found by bisection on how many of the walk's
    /// settings (in the order taken, so the last ones, most harmful per saving, go first) stay; then
    /// timed against <paramref name="walked"/> (the walk's choice without it). The choice and its
    /// trial where that is faster beyond the noise; null (the knob is left) otherwise.
    /// </summary>
    private (Dictionary<string, int> Plan, Trial Trial)? StepBackFor(StructureKnob knob, Dictionary<string, int> chosen, SearchTrial walked)
    {
        if (_walked is not var (before, taken) || taken.Count < 2)
        {
            Log($"structure: {knob.Name} left on the walk's choice: it breaks the budgets there and the walk took too little to give any of it up.");
            return null;
        }
        Log($"structure: {knob.Name} breaks the budgets on the walk's choice ({taken.Count} setting(s) taken); weighing it on fewer of them, the last taken given up first.");
        int lo = 1, hi = taken.Count - 1, tests = 0;
        (Dictionary<string, int> Plan, Trial Trial)? found = null;
        while (lo <= hi && tests < StepBackTrials && !TimeUp())
        {
            int mid = (lo + hi + 1) / 2;
            tests++;
            var plan = Apply(before, taken.Take(mid));
            var trial = Evaluate(Assignment(plan), null, $"structure: {knob.Name} with the walk's first {mid} of {taken.Count} setting(s)");
            if (trial.Kept)
            {
                found = (plan, trial);
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        if (found is not { } best)
        {
            Log($"structure: {knob.Name} left: it breaks the budgets on fewer of the walk's settings as well.");
            return null;
        }
        if (TimeUp())
        {
            _timeRanOut = true;
            return null;
        }
        int kept = best.Plan.Count - before.Count;
        _log.Doing($"timing {knob.Name} with {kept} of the walk's settings against all {taken.Count} without it (interleaved pairs of runs)");
        var (speed, tooFast) = TimeStructure(walked, TrialOf(Assignment(best.Plan)));
        string outcome = tooFast ?? (speed.Faster ? $"faster beyond the noise ({speed}), {Harm(best.Trial)}" : $"not faster beyond the noise ({speed})");
        bool take = tooFast is null && speed.Faster;
        Log($"structure: {knob.Name} with {kept} of the walk's settings against all {taken.Count} without it: {(take ? "taken" : "left")}, {outcome}.");
        return take ? best : null;
    }

    /// <summary>
    /// Weighs each layout choice the time-saving passes offer on the model with every ranked layer
    /// int8 (<paramref name="ranked"/>), fidelity-saving ones first, each on top of those taken: a
    /// choice that breaks the output budgets is left; one that keeps them where the layout so far
    /// breaks them is taken (the first layer float may be all that stands between a model and int8
    /// everywhere else); where both keep them, it is taken only when the paired interleaved runs
    /// show it faster beyond their noise (the lower 95 % bound above 1×, <see cref="LayoutMargin"/>); where neither does, a
    /// fidelity choice is taken when it at least halves the output error (det: the stem float, 2.2e-2
    /// → 7.7e-3; the walk then starts from there) and a speed choice is weighed on the walk's choice
    /// instead (<see cref="WeighDeferred"/>). Then the float islands: the layers the output probe left out because their segment alone
    /// saved no time (<paramref name="timeSaving"/> is the list without them) are weighed the same
    /// way as a whole. A segment int8 between float ones pays for its own Q/DQ and layout changes;
    /// every segment int8 together may pay where none does alone (ResNet-18: 12 of 33 layers left
    /// int8 by the probe ran 1.5–1.7×, all of them 2.4×). Returns the list the walk goes down and
    /// the trial of all of it at once (the walk's first), or null where nothing was weighed.
    /// </summary>
    private (IReadOnlyList<RankedMove> Moves, Trial? All) ChooseStructure(IReadOnlyList<IKnobProvider> providers, Model basis,
        IReadOnlyList<RankedMove> ranked, IReadOnlyList<RankedMove> timeSaving, Dictionary<string, int> before)
    {
        var context = new PassContext(_request.ModelPath) { Config = _request.Config, Bindings = _request.Validation.Bindings };
        var offered = providers.OfType<IStructureKnobProvider>().SelectMany(p => p.StructureKnobs(ModelCopy.Of(basis), context))
            .OrderBy(k => k.Gain).ToList();
        bool islands = timeSaving.Count < ranked.Count;
        if (offered.Count == 0 && !islands || ranked.Count == 0 || TimeUp()) return (timeSaving, null);
        if (offered.Count > 0) Log($"structure: {offered.Count} layout choice(s) to weigh with every ranked layer int8: {string.Join(", ", offered)}.");
        var moves = ranked;
        var assignment = Assignment(Apply(before, moves));
        var current = Evaluate(assignment, null, $"structure: all {moves.Count} ranked setting(s), as laid out so far");
        foreach (var knob in offered)
        {
            if (TimeUp())
            {
                _timeRanOut = true;
                return (timeSaving.Where(moves.Contains).ToList(), null);
            }
            var floats = knob.FloatNodes.ToHashSet(StringComparer.Ordinal);
            var without = moves.Where(m => !m.Knob.Knob.Members.Any(floats.Contains)).ToList();
            var laidOut = TrialOf(assignment);
            _structure.Add(knob);
            var withAssignment = Assignment(Apply(before, without));
            var trial = Evaluate(withAssignment, null, $"structure: {knob.Name}");
            if (knob.Gain == StructureGain.Speed && !trial.Kept && !current.Kept && trial.Rejected is null)
            {
                if (trial.Harm <= current.Harm * (1 + SpeedChoiceRoom))
                {
                    // It adds little at the output: the clock decides here, before the walk spends the room.
                    _log.Doing($"timing {knob.Name} against the layout so far (interleaved pairs of runs)");
                    var (speed, tooFast) = TimeStructure(laidOut, TrialOf(withAssignment));
                    bool faster = tooFast is null && speed.Faster;
                    Log($"structure: {knob.Name} {(faster ? "taken" : "left")}: the budgets break with and without it, it adds little at the output ({Harm(trial)} against {Harm(current)}) and is "
                        + (faster ? $"faster beyond the noise ({speed}): the walk starts from there" : tooFast ?? $"not faster beyond the noise ({speed})") + ".");
                    if (!faster)
                    {
                        _structure.Remove(knob);
                        continue;
                    }
                    moves = without;
                    assignment = withAssignment;
                    current = trial;
                    continue;
                }
                // Nothing keeps the budgets yet: timed on the walk's choice, which does.
                Log($"structure: {knob.Name} weighed again on the walk's choice (the budgets break with and without it here, and it adds {Harm(trial)} against {Harm(current)}).");
                _structure.Remove(knob);
                _deferred.Add(knob);
                continue;
            }
            var (take, why) = Weigh(knob.Gain, knob.Name, current, trial, () => TimeStructure(laidOut, TrialOf(withAssignment)));
            Log($"structure: {knob.Name} {(take ? "taken" : "left")}: {why}.");
            if (!take)
            {
                _structure.Remove(knob);
                continue;
            }
            moves = without;
            assignment = withAssignment;
            current = trial;
        }
        var lean = moves.Where(timeSaving.Contains).ToList();
        if (lean.Count == moves.Count) return (moves, current);
        if (TimeUp())
        {
            _timeRanOut = true;
            return (lean, null);
        }
        // The probe's list against all of it: joining the islands is the choice weighed.
        var leanAssignment = Assignment(Apply(before, lean));
        var leanTrial = Evaluate(leanAssignment, null, $"structure: the {lean.Count} setting(s) whose segments saved time alone");
        string name = $"the {moves.Count - lean.Count} layer(s) whose segments saved no time alone, int8 with the rest (no float islands)";
        var (joined, reason) = Weigh(StructureGain.Speed, name, leanTrial, current, () => TimeStructure(TrialOf(leanAssignment), TrialOf(assignment)));
        Log($"structure: {name} {(joined ? "taken" : "left")}: {reason}.");
        return joined ? (moves, current) : (lean, leanTrial);
    }

    // A speed choice that breaks the budgets where the layout so far breaks them too is timed at once
    // when its output error is at most this much larger (det: integer hard-swish 9.08e-3 on the stem
    // float's 8.73e-3): the walk then finds the float layers with it in the layout, and the room it
    // costs is a small part of what the walk gives up anyway. One that adds more waits for the walk's choice.
    private const double SpeedChoiceRoom = 0.25;

    private (bool Take, string Why) Weigh(StructureGain gain, string name, Trial current, Trial trial, Func<(PairedTiming.Verdict Speed, string? TooFast)> time)
    {
        if (trial.Rejected is { } rejected) return (false, rejected);
        if (!trial.Kept && current.Kept) return (false, $"it breaks {BrokenKeys(trial)}");
        if (trial.Kept && !current.Kept) return (true, $"every other ranked layer int8 keeps the budgets with it ({Harm(trial)}) and breaks them without ({Harm(current)})");
        if (!trial.Kept && gain == StructureGain.Fidelity)
            return trial.Harm <= current.Harm / 2
                ? (true, $"the budgets break with it as well, but it cuts the output error by half or more ({Harm(trial)} against {Harm(current)}): the walk starts from there")
                : (false, $"the budgets break with it as well ({Harm(trial)}); the walk chooses the float layers");
        // Where both break, the walk finds the float layers: a speed choice that adds little error is timed (the probe's float islands joined, det: 9.08e-3 against 7.52e-3).
        if (!trial.Kept && trial.Harm > current.Harm * (1 + SpeedChoiceRoom)) return (false, $"worse at the output ({Harm(trial)} against {Harm(current)}) and the budgets break either way");
        _log.Doing($"timing {name} against the layout so far (interleaved pairs of runs)");
        var (speed, tooFast) = time();
        if (tooFast is not null) return (false, tooFast);
        return speed.Faster ? (true, $"faster beyond the noise ({speed}), {Harm(trial)}") : (false, $"not faster beyond the noise ({speed})");
    }

    /// <summary>
    /// The margin a layout choice must clear: none beyond its noise (the paired 95 % bound above 1×).
    /// The int8 speed check asks 5 %, since int8 that barely pays is the trap users fall into; a layout
    /// choice is weighed between two int8 models the budgets already judged, and on the decision clock
    /// (noise ~2 %) a 5 % margin cut through real gains: det's integer hard-swish measured 1.05×, 1.07×
    /// and 1.10× in three runs of the same command, and was left in one, taken in two.
    /// </summary>
    private const double LayoutMargin = 0;

    private SearchTrial TrialOf(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment) =>
        new(_request.ModelPath, ConfigFor(assignment), PassesFor(assignment), assignment, _outputBudgets, _request.Validation);

    // The structure knobs' per-node settings, laid over the layer knobs' in every trial's config.
    private IEnumerable<(string Node, string Pass, System.Text.Json.Nodes.JsonObject? Settings)> StructureSettings() =>
        _structure.SelectMany(k => k.SettingNodes.Select(n => (n, k.Pass, (System.Text.Json.Nodes.JsonObject?)k.Settings)));

    /// <summary>
    /// The second model's speed-up over the first, from paired interleaved runs on the first of the
    /// samples (<see cref="SearchRequest.TimeStructure"/> in tests). A model whose fastest run is under
    /// <see cref="QuantizationSpeedCheck.SmallModelSeconds"/> is not judged by speed: its run is launch
    /// overhead, and whether a layout clears the margin would follow the machine's load, not the model,
    /// so the same command would lay it out differently on a busy machine.
    /// </summary>
    private (PairedTiming.Verdict Speed, string? TooFast) TimeStructure(SearchTrial first, SearchTrial second)
    {
        if (_request.TimeStructure is { } fake) return (fake(first, second), null);
        Model Build(SearchTrial t) => CandidateBuilder.Build(t.ModelPath, t.Config, _request.Registry.Parse(string.Join(',', t.Passes)), t.Validation.Bindings, _request.Calibration).Model;
        var a = Build(first);
        var b = Build(second);
        var original = ModelLoader.Load(_request.ModelPath);
        ShapeInference.Run(original, _request.Validation.Bindings);
        var inputs = Validation.Data.RunInputs.For(original, _request.ModelPath, _request.Validation.DataPath, _request.Validation.Seed).Tensors;
        var result = QuantizationSpeedCheck.Measure(a, b, inputs, settings: _request.Validation.Session, margin: LayoutMargin);
        var speed = result.Paired ?? PairedTiming.Speedup([result.OriginalMedianSeconds], [result.QuantizedMedianSeconds]);
        return result.TooSmallToTime is double fastest ? (speed, $"not timed: {Validation.Comparison.TimingResolution.Why(fastest)}") : (speed, null);
    }
}
