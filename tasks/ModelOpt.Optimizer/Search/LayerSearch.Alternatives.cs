using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

// Alternative settings (KnobSetting.Alternative): static int8 for a MatMul/Gemm the walk took as dynamic int8.
public sealed partial class LayerSearch
{
    private static bool IsAlternative(RankedMove move) => move.Knob.Knob.Ladder[move.Step].Alternative;

    /// <summary>
    /// Weighs the alternative form of each layer the walk took at the setting before it (static int8
    /// where it took dynamic), least extra harm first: every one at once, or where that breaks the
    /// output budgets a <see cref="GrowingWalk"/> down them, finds which keep the budgets together
    /// with the choice; then those are timed against the choice as it was, paired and interleaved
    /// (<see cref="TimeStructure"/>), and taken only when faster beyond the noise (the 95 %
    /// bound above 1×, <see cref="LayoutMargin"/>). Dynamic int8 keeps the closer output (its input's range is each run's own, its output
    /// float), so it stays wherever static is not measurably faster.
    /// </summary>
    private Dictionary<string, int> WeighAlternatives(Dictionary<string, int> chosen, IReadOnlyList<RankedMove> alternatives)
    {
        var open = alternatives.Where(m => chosen.TryGetValue(m.Knob.Knob.Key, out int step) && step == m.Step - 1)
            .OrderBy(m => m.Harm).ThenBy(m => m.Knob.Knob.Key, StringComparer.Ordinal).ToList();
        if (open.Count == 0) return chosen;
        if (TimeUp())
        {
            _timeRanOut = true;
            return chosen;
        }
        string Label(RankedMove m) => m.Knob.Knob.Ladder[m.Step].Label;
        string Was(RankedMove m) => m.Knob.Knob.Ladder[m.Step - 1].Label;
        const string kind = "alternatives";
        Log($"{kind}: {open.Count} layer(s) the walk took as {Was(open[0])} may run as {Label(open[0])}: weighed on the outputs, then timed against the choice.");
        var every = Apply(chosen, open);
        var all = Evaluate(Assignment(every), null, $"{kind}: all {open.Count} as {Label(open[0])}");
        IReadOnlyList<RankedMove> taken = open;
        if (!all.Kept)
        {
            var walk = GrowingWalk.Run(open, (done, chunk, at) => Evaluate(Assignment(Apply(Apply(chosen, done), chunk)), null,
                $"{kind}: {(chunk.Count == 1 ? $"{chunk[0].Knob.Knob.Node} as {Label(chunk[0])}" : $"{chunk.Count} from {at + 1} of {open.Count}")} on the {done.Count} taken").Kept,
                m => m.Knob.Knob.Key, TimeUp, BreakersInARow);
            if (walk.TimeRanOut) _timeRanOut = true;
            taken = walk.Taken;
        }
        if (taken.Count == 0)
        {
            Log($"{kind}: none keeps the output budgets as {Label(open[0])}; every layer stays {Was(open[0])}.");
            return chosen;
        }
        var with = Apply(chosen, taken);
        string name = $"{taken.Count} of {open.Count} layer(s) as {Label(open[0])} instead of {Was(open[0])}";
        if (TimeUp())
        {
            _timeRanOut = true;
            Log($"{kind}: {name} left: the time limit ran out before they were timed.");
            return chosen;
        }
        _log.Doing($"timing {name} against the choice (interleaved pairs of runs)");
        var (speed, tooFast) = TimeStructure(TrialOf(Assignment(chosen)), TrialOf(Assignment(with)));
        bool take = tooFast is null && speed.Faster;
        Log($"{kind}: {name} {(take ? "taken" : "left")}: {tooFast ?? (speed.Faster ? $"faster beyond the noise ({speed})" : $"not faster beyond the noise ({speed})")}"
            + (take ? $" ({string.Join(", ", taken.Select(m => m.Knob.Knob.Node))})." : "."));
        return take ? with : chosen;
    }
}
