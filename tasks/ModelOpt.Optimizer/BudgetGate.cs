using Google.Protobuf;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer;

/// <summary>
/// Checks a rewritten model against the run's budgets before anything is written, and says for each
/// broken budget which pass pushed it over: from the figures recorded after each pass for FLOPs and
/// parameters, and for output budgets the pass that changed the model (or the passes, when several did).
/// </summary>
public static class BudgetGate
{
    public static ValidationReport Check(string modelPath, Candidate candidate, BudgetSet budgets, ValidationSettings settings)
    {
        var original = ModelLoader.Load(modelPath);
        long bytes = ModelWriter.ToProto(candidate.Model).CalculateSize();
        var reasons = LayerChange.ReasonsFrom(candidate.Reports.SelectMany(r => r.Notes.Select(n => (r.Pass, n))), original.Graph.AllNodes().Select(n => n.Name));
        var report = BudgetValidator.Validate(
            new ModelUnderTest(original, modelPath, FileLength.Of(modelPath), modelPath),
            new ModelUnderTest(candidate.Model, "(optimized model)", bytes),
            budgets, settings, b => Culprit(b, candidate.Reports), reasons);
        return report with { Passes = candidate.Reports };
    }

    private static string? Culprit(Budget budget, IReadOnlyList<PassReport> reports)
    {
        var d = budget.Definition;
        if (d == BudgetDefinition.MaxFlops && reports.Count > 0)
            return BudgetCulprit.Find(budget, reports[0].Before.Flops, reports.Select(r => (r.Pass, (double?)r.After.Flops)).ToList());
        if (d == BudgetDefinition.MaxParams && reports.Count > 0)
            return BudgetCulprit.Find(budget, reports[0].Before.Parameters, reports.Select(r => (r.Pass, (double?)r.After.Parameters)).ToList());
        if (d.Direction == BudgetDirection.AtLeast && d.Kind == Engine.Budgets.QuantityKind.Ratio)
            return reports.Count == 0 ? "no pass ran" : $"the passes {string.Join(", ", reports.Select(r => r.Pass))} did not reduce it enough";
        var changed = reports.Where(r => r.Changed).Select(r => r.Pass).ToList();
        return changed.Count switch
        {
            0 => null,
            1 => $"the pass '{changed[0]}' pushed it over (the only pass that changed the model)",
            _ => $"the passes that changed the model: {string.Join(", ", changed.Select(p => $"'{p}'"))}",
        };
    }
}
