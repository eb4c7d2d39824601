using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The speed choices the structure phase left for the walk's choice (<see cref="StructurePhase.Outcome.Deferred"/>),
/// weighed there, on the walk's last trial that kept the budgets: each taken when it keeps them there too and the paired interleaved runs
/// show it faster beyond their noise. The walk takes int8 layers until the budgets' room is spent,
/// so a speed choice that adds any error breaks them on its last choice by construction, however
/// much faster it is (det: integer hard-swish, 24 float islands, broke the per-sample floor there).
/// Then it competes with the last layers the walk took for that room: it is tried with fewer of
/// the walk's settings (the last taken, most harmful per saving, given up first), by bisection
/// (at most <see cref="StepBackTrials"/> validations), and the most aggressive list that keeps the
/// budgets with it is timed against the walk's choice without it; the clock decides.
/// </summary>
internal sealed class DeferredSpeedChoices(SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>Weighs <paramref name="deferred"/> on the walk's choice <paramref name="chosen"/>, on the path <paramref name="walk"/> took. Returns the choice, the walk's or the one stepped back to.</summary>
    public Dictionary<string, int> Run(Dictionary<string, int> chosen, JudgedTrial? last, IReadOnlyList<StructureKnob> deferred,
        (Dictionary<string, int> Before, IReadOnlyList<RankedMove> Taken)? walk)
    {
        if (deferred.Count == 0 || last is not { Kept: true }) return chosen;
        foreach (var knob in deferred)
        {
            if (log.OutOfTime()) break;
            var assignment = plan.Assignment(chosen);
            var laidOut = trials.TrialOf(assignment);
            plan.Take(knob);
            var trial = trials.Evaluate(assignment, null, $"structure: {knob.Name} on the walk's choice");
            if (trial.Kept || trial.Rejected is not null)
            {
                var (take, why) = StructurePhase.Weigh(log, knob.Gain, knob.Name, last, trial, () => trials.TimeStructure(laidOut, trials.TrialOf(assignment)));
                log.Write($"structure: {knob.Name} {(take ? "taken" : "left")} on the walk's choice: {why}.");
                if (take) last = trial;
                else plan.Leave(knob);
                continue;
            }
            if (StepBackFor(knob, walk, laidOut) is { } stepped)
            {
                chosen = stepped.Plan;
                last = stepped.Trial;
            }
            else plan.Leave(knob);
        }
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
    private (Dictionary<string, int> Plan, JudgedTrial Trial)? StepBackFor(StructureKnob knob, (Dictionary<string, int> Before, IReadOnlyList<RankedMove> Taken)? walk, SearchTrial walked)
    {
        if (walk is not var (before, taken) || taken.Count < 2)
        {
            log.Write($"structure: {knob.Name} left on the walk's choice: it breaks the budgets there and the walk took too little to give any of it up.");
            return null;
        }
        log.Write($"structure: {knob.Name} breaks the budgets on the walk's choice ({taken.Count} setting(s) taken); weighing it on fewer of them, the last taken given up first.");
        int lo = 1, hi = taken.Count - 1, tests = 0;
        (Dictionary<string, int> Plan, JudgedTrial Trial)? found = null;
        while (lo <= hi && tests < StepBackTrials && !log.TimeUp())
        {
            int mid = (lo + hi + 1) / 2;
            tests++;
            var shorter = SearchPlan.Apply(before, taken.Take(mid));
            var trial = trials.Evaluate(plan.Assignment(shorter), null, $"structure: {knob.Name} with the walk's first {mid} of {taken.Count} setting(s)");
            if (trial.Kept)
            {
                found = (shorter, trial);
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        if (found is not { } best)
        {
            log.Write($"structure: {knob.Name} left: it breaks the budgets on fewer of the walk's settings as well.");
            return null;
        }
        if (log.OutOfTime()) return null;
        int kept = best.Plan.Count - before.Count;
        log.Doing($"timing {knob.Name} with {kept} of the walk's settings against all {taken.Count} without it (interleaved pairs of runs)");
        var (speed, tooFast) = trials.TimeStructure(walked, trials.TrialOf(plan.Assignment(best.Plan)));
        string outcome = tooFast ?? (speed.Faster ? $"faster beyond the noise ({speed}), {best.Trial.HarmText}" : $"not faster beyond the noise ({speed})");
        bool take = tooFast is null && speed.Faster;
        log.Write($"structure: {knob.Name} with {kept} of the walk's settings against all {taken.Count} without it: {(take ? "taken" : "left")}, {outcome}.");
        return take ? best : null;
    }
}
