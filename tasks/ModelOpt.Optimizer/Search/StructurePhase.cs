using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The structure phase, before the walk: the passes' layout choices (<see cref="StructureKnob"/>)
/// weighed on the model with every ranked layer int8, each taken into the plan or left.
/// </summary>
internal sealed class StructurePhase(SearchRequest request, SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>
    /// The list the walk goes down and the trial of all of it at once (the walk's first, or null
    /// where nothing was weighed); and the speed choices no layout here could judge (the budgets
    /// broke either way), for the walk's choice.
    /// </summary>
    public sealed record Outcome(IReadOnlyList<RankedMove> Moves, JudgedTrial? All, IReadOnlyList<StructureKnob> Deferred);

    /// <summary>
    /// Weighs each layout choice the time-saving passes offer on the model with every ranked layer
    /// int8 (<paramref name="ranked"/>), fidelity-saving ones first, each on top of those taken: a
    /// choice that breaks the output budgets is left; one that keeps them where the layout so far
    /// breaks them is taken (the first layer float may be all that stands between a model and int8
    /// everywhere else); where both keep them, it is taken only when the paired interleaved runs
    /// show it faster beyond their noise (the lower 95 % bound above 1×, <see cref="TrialEvaluator.LayoutMargin"/>); where neither does, a
    /// fidelity choice is taken when it at least halves the output error (det: the stem float, 2.2e-2
    /// → 7.7e-3; the walk then starts from there) and a speed choice is weighed on the walk's choice
    /// instead (<see cref="DeferredSpeedChoices"/>). Then the float islands: the layers the output probe left out because their segment alone
    /// saved no time (<paramref name="timeSaving"/> is the list without them) are weighed the same
    /// way as a whole. A segment int8 between float ones pays for its own Q/DQ and layout changes;
    /// every segment int8 together may pay where none does alone (ResNet-18: 12 of 33 layers left
    /// int8 by the probe ran 1.5–1.7×, all of them 2.4×). Returns the list the walk goes down, the trial of all of it at once
    /// (the walk's first; null where nothing was weighed), and the speed choices put off.
    /// </summary>
    public Outcome Run(IReadOnlyList<IKnobProvider> providers, Model basis,
        IReadOnlyList<RankedMove> ranked, IReadOnlyList<RankedMove> timeSaving, Dictionary<string, int> before)
    {
        var deferred = new List<StructureKnob>();
        var context = new PassContext(request.ModelPath) { Config = request.Config, Bindings = request.Validation.Bindings };
        var offered = providers.OfType<IStructureKnobProvider>().SelectMany(p => p.StructureKnobs(ModelCopy.Of(basis), context))
            .OrderBy(k => k.Gain).ToList();
        bool islands = timeSaving.Count < ranked.Count;
        if (offered.Count == 0 && !islands || ranked.Count == 0 || log.TimeUp()) return new Outcome(timeSaving, null, deferred);
        if (offered.Count > 0) log.Write($"structure: {offered.Count} layout choice(s) to weigh with every ranked layer int8: {string.Join(", ", offered)}.");
        var moves = ranked;
        var assignment = plan.Assignment(SearchPlan.Apply(before, moves));
        var current = trials.Evaluate(assignment, null, $"structure: all {moves.Count} ranked setting(s), as laid out so far");
        foreach (var knob in offered)
        {
            if (log.OutOfTime()) return new Outcome(timeSaving.Where(moves.Contains).ToList(), null, deferred);
            var floats = knob.FloatNodes.ToHashSet(StringComparer.Ordinal);
            var without = moves.Where(m => !m.Knob.Knob.Members.Any(floats.Contains)).ToList();
            var laidOut = trials.TrialOf(assignment);
            plan.Take(knob);
            var withAssignment = plan.Assignment(SearchPlan.Apply(before, without));
            var trial = trials.Evaluate(withAssignment, null, $"structure: {knob.Name}");
            if (knob.Gain == StructureGain.Speed && !trial.Kept && !current.Kept && trial.Rejected is null)
            {
                if (trial.Harm <= current.Harm * (1 + SpeedChoiceRoom))
                {
                    // It adds little at the output: the clock decides here, before the walk spends the room.
                    log.Doing($"timing {knob.Name} against the layout so far (interleaved pairs of runs)");
                    var (speed, tooFast) = trials.TimeStructure(laidOut, trials.TrialOf(withAssignment));
                    bool faster = tooFast is null && speed.Faster;
                    log.Write($"structure: {knob.Name} {(faster ? "taken" : "left")}: the budgets break with and without it, it adds little at the output ({trial.HarmText} against {current.HarmText}) and is "
                        + (faster ? $"faster beyond the noise ({speed}): the walk starts from there" : tooFast ?? $"not faster beyond the noise ({speed})") + ".");
                    if (!faster)
                    {
                        plan.Leave(knob);
                        continue;
                    }
                    moves = without;
                    assignment = withAssignment;
                    current = trial;
                    continue;
                }
                // Nothing keeps the budgets yet: timed on the walk's choice, which does.
                log.Write($"structure: {knob.Name} weighed again on the walk's choice (the budgets break with and without it here, and it adds {trial.HarmText} against {current.HarmText}).");
                plan.Leave(knob);
                deferred.Add(knob);
                continue;
            }
            var (take, why) = Weigh(log, knob.Gain, knob.Name, current, trial, () => trials.TimeStructure(laidOut, trials.TrialOf(withAssignment)));
            log.Write($"structure: {knob.Name} {(take ? "taken" : "left")}: {why}.");
            if (!take)
            {
                plan.Leave(knob);
                continue;
            }
            moves = without;
            assignment = withAssignment;
            current = trial;
        }
        var lean = moves.Where(timeSaving.Contains).ToList();
        if (lean.Count == moves.Count) return new Outcome(moves, current, deferred);
        if (log.OutOfTime()) return new Outcome(lean, null, deferred);
        // The probe's list against all of it: joining the islands is the choice weighed.
        var leanAssignment = plan.Assignment(SearchPlan.Apply(before, lean));
        var leanTrial = trials.Evaluate(leanAssignment, null, $"structure: the {lean.Count} setting(s) whose segments saved time alone");
        string name = $"the {moves.Count - lean.Count} layer(s) whose segments saved no time alone, int8 with the rest (no float islands)";
        var (joined, reason) = Weigh(log, StructureGain.Speed, name, leanTrial, current, () => trials.TimeStructure(trials.TrialOf(leanAssignment), trials.TrialOf(assignment)));
        log.Write($"structure: {name} {(joined ? "taken" : "left")}: {reason}.");
        return joined ? new Outcome(moves, current, deferred) : new Outcome(lean, leanTrial, deferred);
    }

    // A speed choice that breaks the budgets where the layout so far breaks them too is timed at once
    // when its output error is at most this much larger (det: integer hard-swish 9.08e-3 on the stem
    // float's 8.73e-3): the walk then finds the float layers with it in the layout, and the room it
    // costs is a small part of what the walk gives up anyway. One that adds more waits for the walk's choice.
    private const double SpeedChoiceRoom = 0.25;

    /// <summary>
    /// Whether to take a layout choice (<paramref name="trial"/>) over the layout so far
    /// (<paramref name="current"/>), and why, by the rules of <see cref="Run"/>; the clock
    /// (<paramref name="time"/>) is asked only where the outputs cannot decide. The walk's speed
    /// choices (<see cref="DeferredSpeedChoices"/>) are weighed by the same rules.
    /// </summary>
    internal static (bool Take, string Why) Weigh(SearchLog log, StructureGain gain, string name, JudgedTrial current, JudgedTrial trial, Func<(PairedTiming.Verdict Speed, string? TooFast)> time)
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
        log.Doing($"timing {name} against the layout so far (interleaved pairs of runs)");
        var (speed, tooFast) = time();
        if (tooFast is not null) return (false, tooFast);
        return speed.Faster ? (true, $"faster beyond the noise ({speed}), {trial.HarmText}") : (false, $"not faster beyond the noise ({speed})");
    }
}
