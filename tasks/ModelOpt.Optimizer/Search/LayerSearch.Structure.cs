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
    private Dictionary<string, int> WeighDeferred(Dictionary<string, int> chosen, JudgedTrial? last)
    {
        if (_deferred.Count == 0 || last is not { Kept: true }) return chosen;
        foreach (var knob in _deferred)
        {
            if (_log.OutOfTime()) break;
            var assignment = _plan.Assignment(chosen);
            var laidOut = _trials.TrialOf(assignment);
            _plan.Take(knob);
            var trial = _trials.Evaluate(assignment, null, $"structure: {knob.Name} on the walk's choice");
            if (trial.Kept || trial.Rejected is not null)
            {
                var (take, why) = Weigh(knob.Gain, knob.Name, last, trial, () => _trials.TimeStructure(laidOut, _trials.TrialOf(assignment)));
                Log($"structure: {knob.Name} {(take ? "taken" : "left")} on the walk's choice: {why}.");
                if (take) last = trial;
                else _plan.Leave(knob);
                continue;
            }
            if (StepBackFor(knob, chosen, laidOut) is { } stepped)
            {
                chosen = stepped.Plan;
                last = stepped.Trial;
            }
            else _plan.Leave(knob);
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
    private (Dictionary<string, int> Plan, JudgedTrial Trial)? StepBackFor(StructureKnob knob, Dictionary<string, int> chosen, SearchTrial walked)
    {
        if (_walked is not var (before, taken) || taken.Count < 2)
        {
            Log($"structure: {knob.Name} left on the walk's choice: it breaks the budgets there and the walk took too little to give any of it up.");
            return null;
        }
        Log($"structure: {knob.Name} breaks the budgets on the walk's choice ({taken.Count} setting(s) taken); weighing it on fewer of them, the last taken given up first.");
        int lo = 1, hi = taken.Count - 1, tests = 0;
        (Dictionary<string, int> Plan, JudgedTrial Trial)? found = null;
        while (lo <= hi && tests < StepBackTrials && !_log.TimeUp())
        {
            int mid = (lo + hi + 1) / 2;
            tests++;
            var plan = SearchPlan.Apply(before, taken.Take(mid));
            var trial = _trials.Evaluate(_plan.Assignment(plan), null, $"structure: {knob.Name} with the walk's first {mid} of {taken.Count} setting(s)");
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
        if (_log.OutOfTime()) return null;
        int kept = best.Plan.Count - before.Count;
        _log.Doing($"timing {knob.Name} with {kept} of the walk's settings against all {taken.Count} without it (interleaved pairs of runs)");
        var (speed, tooFast) = _trials.TimeStructure(walked, _trials.TrialOf(_plan.Assignment(best.Plan)));
        string outcome = tooFast ?? (speed.Faster ? $"faster beyond the noise ({speed}), {best.Trial.HarmText}" : $"not faster beyond the noise ({speed})");
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
    /// show it faster beyond their noise (≥ 5 % at the lower 95 % bound); where neither does, a
    /// fidelity choice is taken when it at least halves the output error (det: the stem float, 2.2e-2
    /// → 7.7e-3; the walk then starts from there) and a speed choice is weighed on the walk's choice
    /// instead (<see cref="WeighDeferred"/>). Then the float islands: the layers the output probe left out because their segment alone
    /// saved no time (<paramref name="timeSaving"/> is the list without them) are weighed the same
    /// way as a whole. A segment int8 between float ones pays for its own Q/DQ and layout changes;
    /// every segment int8 together may pay where none does alone (ResNet-18: 12 of 33 layers left
    /// int8 by the probe ran 1.5–1.7×, all of them 2.4×). Returns the list the walk goes down and
    /// the trial of all of it at once (the walk's first), or null where nothing was weighed.
    /// </summary>
    private (IReadOnlyList<RankedMove> Moves, JudgedTrial? All) ChooseStructure(IReadOnlyList<IKnobProvider> providers, Model basis,
        IReadOnlyList<RankedMove> ranked, IReadOnlyList<RankedMove> timeSaving, Dictionary<string, int> before)
    {
        var context = new PassContext(_request.ModelPath) { Config = _request.Config, Bindings = _request.Validation.Bindings };
        var offered = providers.OfType<IStructureKnobProvider>().SelectMany(p => p.StructureKnobs(ModelCopy.Of(basis), context))
            .OrderBy(k => k.Gain).ToList();
        bool islands = timeSaving.Count < ranked.Count;
        if (offered.Count == 0 && !islands || ranked.Count == 0 || _log.TimeUp()) return (timeSaving, null);
        if (offered.Count > 0) Log($"structure: {offered.Count} layout choice(s) to weigh with every ranked layer int8: {string.Join(", ", offered)}.");
        var moves = ranked;
        var assignment = _plan.Assignment(SearchPlan.Apply(before, moves));
        var current = _trials.Evaluate(assignment, null, $"structure: all {moves.Count} ranked setting(s), as laid out so far");
        foreach (var knob in offered)
        {
            if (_log.OutOfTime()) return (timeSaving.Where(moves.Contains).ToList(), null);
            var floats = knob.FloatNodes.ToHashSet(StringComparer.Ordinal);
            var without = moves.Where(m => !m.Knob.Knob.Members.Any(floats.Contains)).ToList();
            var laidOut = _trials.TrialOf(assignment);
            _plan.Take(knob);
            var withAssignment = _plan.Assignment(SearchPlan.Apply(before, without));
            var trial = _trials.Evaluate(withAssignment, null, $"structure: {knob.Name}");
            if (knob.Gain == StructureGain.Speed && !trial.Kept && !current.Kept && trial.Rejected is null)
            {
                if (trial.Harm <= current.Harm * (1 + SpeedChoiceRoom))
                {
                    // It adds little at the output: the clock decides here, before the walk spends the room.
                    _log.Doing($"timing {knob.Name} against the layout so far (interleaved pairs of runs)");
                    var (speed, tooFast) = _trials.TimeStructure(laidOut, _trials.TrialOf(withAssignment));
                    bool faster = tooFast is null && speed.Faster;
                    Log($"structure: {knob.Name} {(faster ? "taken" : "left")}: the budgets break with and without it, it adds little at the output ({trial.HarmText} against {current.HarmText}) and is "
                        + (faster ? $"faster beyond the noise ({speed}): the walk starts from there" : tooFast ?? $"not faster beyond the noise ({speed})") + ".");
                    if (!faster)
                    {
                        _plan.Leave(knob);
                        continue;
                    }
                    moves = without;
                    assignment = withAssignment;
                    current = trial;
                    continue;
                }
                // Nothing keeps the budgets yet: timed on the walk's choice, which does.
                Log($"structure: {knob.Name} weighed again on the walk's choice (the budgets break with and without it here, and it adds {trial.HarmText} against {current.HarmText}).");
                _plan.Leave(knob);
                _deferred.Add(knob);
                continue;
            }
            var (take, why) = Weigh(knob.Gain, knob.Name, current, trial, () => _trials.TimeStructure(laidOut, _trials.TrialOf(withAssignment)));
            Log($"structure: {knob.Name} {(take ? "taken" : "left")}: {why}.");
            if (!take)
            {
                _plan.Leave(knob);
                continue;
            }
            moves = without;
            assignment = withAssignment;
            current = trial;
        }
        var lean = moves.Where(timeSaving.Contains).ToList();
        if (lean.Count == moves.Count) return (moves, current);
        if (_log.OutOfTime()) return (lean, null);
        // The probe's list against all of it: joining the islands is the choice weighed.
        var leanAssignment = _plan.Assignment(SearchPlan.Apply(before, lean));
        var leanTrial = _trials.Evaluate(leanAssignment, null, $"structure: the {lean.Count} setting(s) whose segments saved time alone");
        string name = $"the {moves.Count - lean.Count} layer(s) whose segments saved no time alone, int8 with the rest (no float islands)";
        var (joined, reason) = Weigh(StructureGain.Speed, name, leanTrial, current, () => _trials.TimeStructure(_trials.TrialOf(leanAssignment), _trials.TrialOf(assignment)));
        Log($"structure: {name} {(joined ? "taken" : "left")}: {reason}.");
        return joined ? (moves, current) : (lean, leanTrial);
    }

    // A speed choice that breaks the budgets where the layout so far breaks them too is timed at once
    // when its output error is at most this much larger (det: integer hard-swish 9.08e-3 on the stem
    // float's 8.73e-3): the walk then finds the float layers with it in the layout, and the room it
    // costs is a small part of what the walk gives up anyway. One that adds more waits for the walk's choice.
    private const double SpeedChoiceRoom = 0.25;

    private (bool Take, string Why) Weigh(StructureGain gain, string name, JudgedTrial current, JudgedTrial trial, Func<(PairedTiming.Verdict Speed, string? TooFast)> time)
    {
        if (trial.Rejected is { } rejected) return (false, rejected);
        if (!trial.Kept && current.Kept) return (false, $"it breaks {trial.BrokenKeys}");
        if (trial.Kept && !current.Kept) return (true, $"every other ranked layer int8 keeps the budgets with it ({trial.HarmText}) and breaks them without ({current.HarmText})");
        if (!trial.Kept && gain == StructureGain.Fidelity)
            return trial.Harm <= current.Harm / 2
                ? (true, $"the budgets break with it as well, but it cuts the output error by half or more ({trial.HarmText} against {current.HarmText}): the walk starts from there")
                : (false, $"the budgets break with it as well ({trial.HarmText}); the walk chooses the float layers");
        // Where both break, the walk finds the float layers: a speed choice that adds little error is timed (the probe's float islands joined, det: 9.08e-3 against 7.52e-3).
        if (!trial.Kept && trial.Harm > current.Harm * (1 + SpeedChoiceRoom)) return (false, $"worse at the output ({trial.HarmText} against {current.HarmText}) and the budgets break either way");
        _log.Doing($"timing {name} against the layout so far (interleaved pairs of runs)");
        var (speed, tooFast) = time();
        if (tooFast is not null) return (false, tooFast);
        return speed.Faster ? (true, $"faster beyond the noise ({speed}), {trial.HarmText}") : (false, $"not faster beyond the noise ({speed})");
    }
}
