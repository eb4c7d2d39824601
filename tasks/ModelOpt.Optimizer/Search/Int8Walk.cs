using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The time-saving (int8) choice: the whole ranked list if it keeps the output budgets, else a
/// <see cref="GrowingWalk"/> down it. A prefix bisection assumes the error grows with the prefix;
/// int8 error does not. On ISNet at 1024² the first 30 ranked layers score 1 − cosine 6.6e-3, the
/// first 60 1.8e-2 and all 243 1.5e-2: two encoder convs (whose outputs feed both the next stage
/// and a decoder skip) each double the error when added, and a bisection stops at the first of them.
/// </summary>
internal sealed class Int8Walk(SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>
    /// The choice and the last trial that kept the budgets; and, where the walk ran, what it started
    /// from and the settings it took, in the order taken (least harm per saving first): where a speed
    /// choice breaks the budgets on the walk's choice, it is weighed on shorter lists of these
    /// (<see cref="DeferredSpeedChoices"/>).
    /// </summary>
    public sealed record Outcome(Dictionary<string, int> Chosen, JudgedTrial? Last, (Dictionary<string, int> Before, IReadOnlyList<RankedMove> Taken)? Walked);

    /// <param name="all">The trial of every ranked setting at once where one was already made (the structure phase's last).</param>
    public Outcome Run(IReadOnlyList<RankedMove> moves, Dictionary<string, int> before, JudgedTrial? all = null)
    {
        const string kind = "time-saving";
        var every = SearchPlan.Apply(before, moves);
        all ??= trials.Evaluate(plan.Assignment(every), null, $"{kind}: all {moves.Count} ranked setting(s)");
        if (all.Kept) return new Outcome(every, all, null);

        JudgedTrial? last = null;
        var walk = GrowingWalk.Run(moves, (taken, chunk, at) =>
        {
            var first = chunk[0];
            var trial = trials.Evaluate(plan.Assignment(SearchPlan.Apply(SearchPlan.Apply(before, taken), chunk)), null,
                $"{kind}: {(chunk.Count == 1 ? $"setting {at + 1}" : $"{chunk.Count} settings from {at + 1}")} of {moves.Count} ({first.Knob.Knob.Key} {first.Knob.Knob.Ladder[first.Step].Label}{(chunk.Count > 1 ? ", …" : "")}) on the {taken.Count} taken");
            if (chunk.Count == 1) trials.Decided(first.Knob.Knob.Key);
            if (trial.Kept) last = trial;
            else if (chunk.Count == 1) log.Write($"{kind}: {first.Knob.Knob.Key} {first.Knob.Knob.Ladder[first.Step].Label} breaks the output budgets on the {taken.Count} taken: {first.Knob.Knob.Node} stays where it is; going on past it.");
            return trial.Kept;
        }, m => m.Knob.Knob.Key, log.TimeUp, BreakersInARow);
        if (walk.TimeRanOut) log.RanOut();
        if (walk.Exhausted) log.Write($"{kind}: {BreakersInARow} settings in a row break the budgets on their own: the budget is spent, the rest of the list is not tried.");
        log.Write($"{kind}: took {walk.Taken.Count} of {moves.Count} ranked setting(s) in {walk.Tests + 1} validation(s); left out {walk.LeftOut.Count}"
            + (walk.LeftOut.Count > 0 ? $" ({string.Join(", ", walk.LeftOut.Select(m => m.Knob.Knob.Node))})" : "") + ".");
        return new Outcome(SearchPlan.Apply(before, walk.Taken), last, (before, walk.Taken));
    }

    // Single settings in a row that break the budgets before the walk ends: by then the budget is
    // spent, rather than held up by one layer that does not mix with those taken.
    internal const int BreakersInARow = 3;
}
