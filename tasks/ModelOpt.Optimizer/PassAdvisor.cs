using Google.Protobuf;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer;

/// <summary>What trying one pass on a model found: whether it is suggested, and why (or why not).</summary>
public sealed record PassTrial(string Pass, bool Suggested, string Finding);

/// <summary>The passes suggested for a model, in pipeline order, and what each trial found.</summary>
public sealed record PassSuggestion(IReadOnlyList<string> Passes, IReadOnlyList<PassTrial> Trials);

/// <summary>
/// Chooses passes for a starter config by running them, in memory, on the model: a pass is suggested
/// only when it cuts FLOPs or size and its result keeps the default fidelity floor on the samples at
/// hand, and the suggested passes together must keep it too. Guessing from op types alone suggested
/// passes that then changed nothing (separable on convs too small to pay).
/// </summary>
public static class PassAdvisor
{
    // Passes that need no calibration data, in the order a pipeline runs them: structural rewrites
    // first, then at most one of the size passes (they rewrite the same weights).
    private static readonly string[] Structural = ["freeze", "separable", "lowrank"];
    private static readonly string[] SizeOnly = ["share-weights", "fp16"];

    private const double MinFlopGain = 0.95;
    private const double MinSizeGain = 0.9;
    private const int SampleLimit = 256;

    public static PassSuggestion Suggest(string modelPath, ShapeBindings bindings, int seed = 0, PassRegistry? registry = null)
    {
        registry ??= PassRegistry.Default;
        var original = ModelLoader.Load(modelPath);
        var baseline = new ModelUnderTest(original, modelPath, FileLength.Of(modelPath), modelPath);
        var settings = new ValidationSettings
        {
            Seed = seed + 1,
            Bindings = bindings,
            SampleLimit = SampleLimit,
            AlwaysCompare = true,
            Comparison = new Validation.Comparison.ComparisonSettings { LatencyRuns = 0 },
        };
        var trials = new List<PassTrial>();
        var harm = new Dictionary<string, double>();
        var chosen = new List<string>();

        Trial Try(string pass)
        {
            try
            {
                var candidate = CandidateBuilder.Build(modelPath, OptimizeConfig.Empty, registry.Parse(pass), bindings, calibration: null);
                var report = candidate.Reports[0];
                long bytes = ModelWriter.ToProto(candidate.Model).CalculateSize();
                bool fewerFlops = report.Before.Flops is long a && report.After.Flops is long b && b < a * MinFlopGain;
                bool smaller = bytes < baseline.Bytes * MinSizeGain;
                string gain = $"FLOPs {Quantity.Format(report.Before.Flops ?? 0, QuantityKind.Flops)} → {Quantity.Format(report.After.Flops ?? 0, QuantityKind.Flops)}, "
                    + $"size {Quantity.Format(baseline.Bytes, QuantityKind.Bytes)} → {Quantity.Format(bytes, QuantityKind.Bytes)}";
                if (!report.Changed) return new Trial(false, "changes nothing on this model", 0);
                if (!fewerFlops && !smaller) return new Trial(false, $"saves too little ({gain})", 0);
                var validation = BudgetValidator.Validate(baseline, new ModelUnderTest(candidate.Model, pass, bytes), BudgetSet.None, settings);
                var verdict = FidelityFloor.Verdict(validation, candidate.Reports);
                if (verdict is null) return new Trial(false, "could not be compared with the original", 0);
                double measuredHarm = verdict.Budget.Definition == BudgetDefinition.MaxAccuracyDrop ? verdict.Measured ?? 0 : 1 - (verdict.Measured ?? 0);
                return verdict.Kept
                    ? new Trial(true, $"{gain}; {verdict.Headline()}", measuredHarm)
                    : new Trial(false, $"{gain}, but {verdict.Headline()} (the default fidelity floor)", measuredHarm);
            }
            catch (ModelOptException e)
            {
                return new Trial(false, $"could not be tried: {e.Message}", 0);
            }
        }

        foreach (var pass in Structural.Concat(SizeOnly))
        {
            if (SizeOnly.Contains(pass) && chosen.FirstOrDefault(SizeOnly.Contains) is { } other)
            {
                trials.Add(new PassTrial(pass, false, $"not tried: '{other}' already shrinks the weights"));
                continue;
            }
            var t = Try(pass);
            trials.Add(new PassTrial(pass, t.Suggested, t.Finding));
            if (!t.Suggested) continue;
            harm[pass] = t.Harm;
            chosen.Add(pass);
        }

        // Each pass kept the floor alone; together they must too, or the most harmful goes.
        while (chosen.Count > 1 && !KeepsFloor(modelPath, chosen, bindings, baseline, settings, registry))
        {
            string worst = chosen.OrderByDescending(p => harm[p]).First();
            chosen.Remove(worst);
            int i = trials.FindIndex(t => t.Pass == worst);
            trials[i] = trials[i] with { Suggested = false, Finding = trials[i].Finding + "; left out: together with the others it breaks the default fidelity floor" };
        }
        return new PassSuggestion(chosen, trials);
    }

    private static bool KeepsFloor(string modelPath, IReadOnlyList<string> passes, ShapeBindings bindings, ModelUnderTest baseline, ValidationSettings settings, PassRegistry registry)
    {
        var candidate = CandidateBuilder.Build(modelPath, OptimizeConfig.Empty, registry.Parse(string.Join(',', passes)), bindings, calibration: null);
        long bytes = ModelWriter.ToProto(candidate.Model).CalculateSize();
        var validation = BudgetValidator.Validate(baseline, new ModelUnderTest(candidate.Model, string.Join(",", passes), bytes), BudgetSet.None, settings);
        return FidelityFloor.Verdict(validation, candidate.Reports) is { Kept: true };
    }

    private sealed record Trial(bool Suggested, string Finding, double Harm);
}
