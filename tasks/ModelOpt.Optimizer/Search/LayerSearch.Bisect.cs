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

namespace ModelOpt.Optimizer.Search;

// The MAC-saving strategy: rounds of bisection down the ranked list.
public sealed partial class LayerSearch
{
    // The MAC-saving choice, in rounds of bisection: each finds the longest prefix of the ranked moves
    // (on top of what was chosen before) that keeps the output budgets; the move that broke them fixes
    // its knob where it is, and the next round goes on down the rest of the list. Rounds stop once the
    // static budgets (FLOPs, parameters, size) are met; each costs O(log N) validations. Pruning and
    // rank steps are coarse enough for their error to grow with the prefix (int8's does not: Walk).
    // Between rounds the knobs are listed again (Relist): each pass's on the model it receives with
    // what was chosen so far, so a separable rank is priced on the conv as pruning left it.
    private (Dictionary<string, int> Chosen, JudgedTrial? Last) Bisect(IReadOnlyList<RankedMove> moves, Dictionary<string, int> before)
    {
        const string kind = "MAC-saving";
        const int maxRounds = 4;
        var stuck = new HashSet<string>(StringComparer.Ordinal);
        var staticBudgets = _request.Budgets.Where(d => !d.NeedsOutputs && !d.NeedsLatency);
        var chosen = before;
        JudgedTrial? last = null;
        var remaining = moves.ToList();
        for (int round = 1; round <= maxRounds && remaining.Count > 0; round++)
        {
            if (_log.OutOfTime()) break;
            var (taken, trial, breaker) = BisectOnce(remaining, chosen, $"{kind}{(round > 1 ? $" round {round}" : "")}", firstRound: round == 1);
            if (_unreachable is not null) return (chosen, null);
            chosen = SearchPlan.Apply(chosen, remaining.Take(taken));
            last = trial ?? last;
            if (breaker is null) break;
            stuck.Add(breaker.Knob.Knob.Key);
            remaining = remaining.Skip(taken).Where(m => !stuck.Contains(m.Knob.Knob.Key)).ToList();
            if (!staticBudgets.IsEmpty && last is not null && StaticBudgetsKept(last, staticBudgets)) break;
            if (round < maxRounds && remaining.Count > 0 && !_log.TimeUp()) (chosen, remaining) = Relist(chosen, stuck);
        }
        return (chosen, last);
    }

    private static bool StaticBudgetsKept(JudgedTrial trial, BudgetSet budgets) =>
        BudgetValidator.Measure(trial.Report.BaselineFootprint, trial.Report.CandidateFootprint, null).Evaluate(budgets).All(v => v.Kept);

    private (int Taken, JudgedTrial? Trial, RankedMove? Breaker) BisectOnce(IReadOnlyList<RankedMove> moves, Dictionary<string, int> before, string kind, bool firstRound)
    {
        int lo = 0, hi = moves.Count;
        JudgedTrial? last = null;
        var all = _trials.Evaluate(_plan.Assignment(SearchPlan.Apply(before, moves)), null, $"{kind}: all {hi} ranked setting(s)");
        // Every ranked setting at once is the most any round can save: if that misses a FLOP or
        // parameter budget, no prefix reaches it and bisecting on would only spend the time limit.
        if (firstRound && all.Rejected is null && _trials.StaticVerdicts(all).Any(v => !v.Kept))
        {
            _unreachable = all;
            return (0, null, null);
        }
        if (all.Kept) return (hi, all, null);
        while (hi - lo > 1)
        {
            if (_log.OutOfTime()) break;
            int mid = (lo + hi) / 2;
            var boundary = moves[mid - 1];
            var trial = _trials.Evaluate(_plan.Assignment(SearchPlan.Apply(before, moves.Take(mid))), null,
                $"{kind}: first {mid} of {moves.Count} (up to {boundary.Knob.Knob.Key} {boundary.Knob.Knob.Ladder[boundary.Step].Label})");
            _trials.Decided(boundary.Knob.Knob.Key);
            if (trial.Kept)
            {
                lo = mid;
                last = trial;
            }
            else hi = mid;
        }
        var stopped = moves[lo];
        Log($"{kind}: took the first {lo} of {moves.Count} ranked setting(s); the next, {stopped.Knob.Knob.Key} {stopped.Knob.Knob.Ladder[stopped.Step].Label}, breaks the output budgets with them, so {stopped.Knob.Knob.Node} stays where it is.");
        return (lo, last, stopped);
    }
}
