using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The final check of the search's choice, on every budget (the FLOP, size and latency ones the
/// strategies do not judge): the int8 speed check quantize asks for, made here once (it is the one
/// timing-dependent step), and the choice without its int8 layers where they are not faster, or
/// where their Q/DQ arithmetic breaks a FLOP budget the float choice keeps.
/// </summary>
internal sealed class FinalCheck(SearchRequest request, SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>The choice as checked (maybe without its int8 layers), its final trial, and the speed check kept for the run (null where it was dropped or not made).</summary>
    public (Dictionary<string, int> Chosen, JudgedTrial Final, SpeedCheckResult? Speed) Run(Dictionary<string, int> chosen)
    {
        var final = trials.Evaluate(plan.Assignment(chosen), request.Budgets, "final check, every budget");
        log.Doing("timing int8 against fp32 on the choice (interleaved pairs of runs)");
        var speed = SpeedCheck(final);
        if (speed is { Passed: false })
        {
            // The user asked for int8 or nothing: no fallback to float.
            if (final.Candidate?.RequiredChecks.Any(c => c.PassRequired) == true)
                QuantizationSpeedCheck.Enforce(speed, allowSlower: false, request.ModelPath, "\"quantize\": { \"required\": true } is set");
            // int8 slower than fp32 is a broken speed budget, not an error: the search drops the
            // time-saving knobs rather than fail, since a mixed model only adds float↔int8 conversions.
            var timeKnobs = chosen.Keys.Where(k => plan.Saves(k) == KnobSaving.Time).ToList();
            log.Write($"speed check: int8 is not measurably faster than fp32 ({speed}); every layer kept float.");
            if (timeKnobs.Count > 0)
            {
                foreach (var key in timeKnobs) chosen.Remove(key);
                final = trials.Evaluate(plan.Assignment(chosen), request.Budgets, "final check without int8");
                speed = null;
            }
            else final = final with { Report = final.Report with { Verdicts = [.. final.Report.Verdicts, SlowerThanFloat(speed)] } };
        }
        // The int8 layers add QuantizeLinear/DequantizeLinear arithmetic to the count: a FLOP budget the
        // MAC-saving choice kept in float can break once they join. Then float is the choice that keeps
        // every budget, unless the user asked for int8 or nothing.
        var int8Knobs = chosen.Keys.Where(k => plan.Saves(k) == KnobSaving.Time).ToList();
        if (!final.Kept && int8Knobs.Count > 0 && final.Candidate?.RequiredChecks.Any(c => c.PassRequired) != true)
        {
            var withoutInt8 = new Dictionary<string, int>(chosen);
            foreach (var key in int8Knobs) withoutInt8.Remove(key);
            var floatFinal = trials.Evaluate(plan.Assignment(withoutInt8), request.Budgets, "final check without int8");
            if (floatFinal.Kept)
            {
                log.Write($"search: with its int8 layers the choice breaks {final.BrokenKeys}; without them it keeps every budget: every layer kept float.");
                chosen = withoutInt8;
                final = floatFinal;
                speed = null;
            }
        }
        return (chosen, final, speed);
    }

    // The speed check quantize asks for, made on the final choice only (it is the one timing-dependent step).
    private SpeedCheckResult? SpeedCheck(JudgedTrial final)
    {
        if (final.Candidate is not { } candidate) return null;
        var checks = candidate.RequiredChecks.Where(c => c.Kind == RequiredCheckKind.FasterThanOriginal).ToList();
        if (checks.Count == 0 || checks.All(c => c.Waived)) return null;
        var result = QuantizationSpeedCheck.MeasureAgainstSource(request.ModelPath, candidate.Model, request.Validation.Bindings, request.Validation.Seed, request.Validation.Session, request.Validation.DataPath);
        log.Write($"speed check: {result}");
        return result;
    }

    private static BudgetVerdict SlowerThanFloat(SpeedCheckResult speed) =>
        new(new Budget(BudgetDefinition.MinSpeedup, 1, "the int8 speed check (quantize.allowSlower is false)"), speed.Speedup, false,
            "the pass 'quantize' made it slower than fp32", speed.ToString());
}
