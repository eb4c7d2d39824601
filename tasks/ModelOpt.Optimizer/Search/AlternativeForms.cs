using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Alternative settings (<see cref="Engine.Passes.Knobs.KnobSetting.Alternative"/>): static int8 for a
/// MatMul/Gemm the walk took as dynamic int8. Weighs the alternative form of each layer the walk took at the setting before it (static int8
/// where it took dynamic), least extra harm first: every one at once, or where that breaks the
/// output budgets a <see cref="GrowingWalk"/> down them, finds which keep the budgets together
/// with the choice; then those are timed against the choice as it was, paired and interleaved
/// (<see cref="TrialEvaluator.TimeStructure"/>), and taken only when faster beyond the noise (the 95 %
/// bound above 1×, <see cref="TrialEvaluator.LayoutMargin"/>). Dynamic int8 keeps the closer output (its input's range is each run's own, its output
/// float), so it stays wherever static is not measurably faster.
/// </summary>
internal sealed class AlternativeForms(SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>Whether a ranked move is an alternative form, weighed on the walk's choice rather than walked.</summary>
    public static bool IsAlternative(RankedMove move) => move.Knob.Knob.Ladder[move.Step].Alternative;

    public Dictionary<string, int> Run(Dictionary<string, int> chosen, IReadOnlyList<RankedMove> alternatives)
    {
        var open = alternatives.Where(m => chosen.TryGetValue(m.Knob.Knob.Key, out int step) && step == m.Step - 1)
            .OrderBy(m => m.Harm).ThenBy(m => m.Knob.Knob.Key, StringComparer.Ordinal).ToList();
        if (open.Count == 0) return chosen;
        if (log.OutOfTime()) return chosen;
        string Label(RankedMove m) => m.Knob.Knob.Ladder[m.Step].Label;
        string Was(RankedMove m) => m.Knob.Knob.Ladder[m.Step - 1].Label;
        const string kind = "alternatives";
        log.Write($"{kind}: {open.Count} layer(s) the walk took as {Was(open[0])} may run as {Label(open[0])}: weighed on the outputs, then timed against the choice.");
        var every = SearchPlan.Apply(chosen, open);
        var all = trials.Evaluate(plan.Assignment(every), null, $"{kind}: all {open.Count} as {Label(open[0])}");
        IReadOnlyList<RankedMove> taken = open;
        if (!all.Kept)
        {
            var walk = GrowingWalk.Run(open, (done, chunk, at) => trials.Evaluate(plan.Assignment(SearchPlan.Apply(SearchPlan.Apply(chosen, done), chunk)), null,
                $"{kind}: {(chunk.Count == 1 ? $"{chunk[0].Knob.Knob.Node} as {Label(chunk[0])}" : $"{chunk.Count} from {at + 1} of {open.Count}")} on the {done.Count} taken").Kept,
                m => m.Knob.Knob.Key, log.TimeUp, Int8Walk.BreakersInARow);
            if (walk.TimeRanOut) log.RanOut();
            taken = walk.Taken;
        }
        if (taken.Count == 0)
        {
            log.Write($"{kind}: none keeps the output budgets as {Label(open[0])}; every layer stays {Was(open[0])}.");
            return chosen;
        }
        var with = SearchPlan.Apply(chosen, taken);
        string name = $"{taken.Count} of {open.Count} layer(s) as {Label(open[0])} instead of {Was(open[0])}";
        if (log.OutOfTime())
        {
            log.Write($"{kind}: {name} left: the time limit ran out before they were timed.");
            return chosen;
        }
        log.Doing($"timing {name} against the choice (interleaved pairs of runs)");
        var (speed, tooFast) = trials.TimeStructure(trials.TrialOf(plan.Assignment(chosen)), trials.TrialOf(plan.Assignment(with)));
        bool take = tooFast is null && speed.Faster;
        log.Write($"{kind}: {name} {(take ? "taken" : "left")}: {tooFast ?? (speed.Faster ? $"faster beyond the noise ({speed})" : $"not faster beyond the noise ({speed})")}"
            + (take ? $" ({string.Join(", ", taken.Select(m => m.Knob.Knob.Node))})." : "."));
        return take ? with : chosen;
    }
}
