using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The MAC-saving strategy, in rounds of bisection: each finds the longest prefix of the ranked moves
/// (on top of what was chosen before) that keeps the output budgets; the move that broke them fixes
/// its knob where it is, and the next round goes on down the rest of the list. Rounds stop once the
/// static budgets (FLOPs, parameters, size) are met; each costs O(log N) validations. Pruning and
/// rank steps are coarse enough for their error to grow with the prefix (int8's does not:
/// <see cref="Int8Walk"/>). Between rounds the knobs are listed again (<see cref="KnobRelisting"/>):
/// each pass's on the model it receives with what was chosen so far, so a separable rank is priced
/// on the conv as pruning left it.
/// </summary>
internal sealed class MacBisection(SearchRequest request, SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>What the rounds chose and the last trial that kept the budgets; or, where even every ranked setting at once misses a FLOP or parameter budget, that trial (no plan can keep it).</summary>
    public sealed record Outcome(Dictionary<string, int> Chosen, JudgedTrial? Last, JudgedTrial? Unreachable);

    public Outcome Run(IReadOnlyList<RankedMove> moves, Dictionary<string, int> before)
    {
        const string kind = "MAC-saving";
        const int maxRounds = 4;
        var stuck = new HashSet<string>(StringComparer.Ordinal);
        var staticBudgets = request.Budgets.Where(d => !d.NeedsOutputs && !d.NeedsLatency);
        var chosen = before;
        JudgedTrial? last = null;
        var remaining = moves.ToList();
        for (int round = 1; round <= maxRounds && remaining.Count > 0; round++)
        {
            if (log.OutOfTime()) break;
            var (taken, trial, breaker, unreachable) = BisectOnce(remaining, chosen, $"{kind}{(round > 1 ? $" round {round}" : "")}", firstRound: round == 1);
            if (unreachable is not null) return new Outcome(chosen, null, unreachable);
            chosen = SearchPlan.Apply(chosen, remaining.Take(taken));
            last = trial ?? last;
            if (breaker is null) break;
            stuck.Add(breaker.Knob.Knob.Key);
            remaining = remaining.Skip(taken).Where(m => !stuck.Contains(m.Knob.Knob.Key)).ToList();
            if (!staticBudgets.IsEmpty && last is not null && StaticBudgetsKept(last, staticBudgets)) break;
            if (round < maxRounds && remaining.Count > 0 && !log.TimeUp()) (chosen, remaining) = new KnobRelisting(request, plan, trials, log).Run(chosen, stuck);
        }
        return new Outcome(chosen, last, null);
    }

    private static bool StaticBudgetsKept(JudgedTrial trial, BudgetSet budgets) =>
        BudgetValidator.Measure(trial.Report.BaselineFootprint, trial.Report.CandidateFootprint, null).Evaluate(budgets).All(v => v.Kept);

    private (int Taken, JudgedTrial? Trial, RankedMove? Breaker, JudgedTrial? Unreachable) BisectOnce(IReadOnlyList<RankedMove> moves, Dictionary<string, int> before, string kind, bool firstRound)
    {
        int lo = 0, hi = moves.Count;
        JudgedTrial? last = null;
        var all = trials.Evaluate(plan.Assignment(SearchPlan.Apply(before, moves)), null, $"{kind}: all {hi} ranked setting(s)");
        // Every ranked setting at once is the most any round can save: if that misses a FLOP or
        // parameter budget, no prefix reaches it and bisecting on would only spend the time limit.
        if (firstRound && all.Rejected is null && trials.StaticVerdicts(all).Any(v => !v.Kept))
            return (0, null, null, all);
        if (all.Kept) return (hi, all, null, null);
        while (hi - lo > 1)
        {
            if (log.OutOfTime()) break;
            int mid = (lo + hi) / 2;
            var boundary = moves[mid - 1];
            var trial = trials.Evaluate(plan.Assignment(SearchPlan.Apply(before, moves.Take(mid))), null,
                $"{kind}: first {mid} of {moves.Count} (up to {boundary.Knob.Knob.Key} {boundary.Knob.Knob.Ladder[boundary.Step].Label})");
            trials.Decided(boundary.Knob.Knob.Key);
            if (trial.Kept)
            {
                lo = mid;
                last = trial;
            }
            else hi = mid;
        }
        var stopped = moves[lo];
        log.Write($"{kind}: took the first {lo} of {moves.Count} ranked setting(s); the next, {stopped.Knob.Knob.Key} {stopped.Knob.Knob.Ladder[stopped.Step].Label}, breaks the output budgets with them, so {stopped.Knob.Knob.Node} stays where it is.");
        return (lo, last, stopped, null);
    }
}
