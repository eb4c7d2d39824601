using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Tool.Output;

/// <summary>The machine-readable report: every pass, every budget with its value and limit, per-layer FLOPs before and after.</summary>
internal static class ReportJson
{
    public static string Write(ValidationReport r)
    {
        var c = r.Comparison;
        var root = new JsonObject
        {
            ["baseline"] = r.Baseline,
            ["candidate"] = r.Candidate,
            ["allBudgetsKept"] = r.AllKept,
            ["budgets"] = new JsonArray(r.Verdicts.Select(v => (JsonNode)new JsonObject
            {
                ["key"] = v.Budget.Definition.Key,
                ["option"] = v.Budget.Definition.Option,
                ["direction"] = v.Budget.Definition.Direction == Engine.Budgets.BudgetDirection.AtMost ? "atMost" : "atLeast",
                ["limit"] = v.Budget.Limit,
                ["measured"] = v.Measured,
                ["kept"] = v.Kept,
                ["culprit"] = v.Culprit,
                ["note"] = v.Note,
                ["message"] = v.Message(),
            }).ToArray()),
            ["baselineFigures"] = Figures(r.BaselineFootprint),
            ["candidateFigures"] = Figures(r.CandidateFootprint),
            ["flopReduction"] = r.FlopReduction,
            ["comparison"] = c is null ? null : new JsonObject
            {
                ["samples"] = c.Samples,
                ["data"] = c.SampleDescription,
                ["synthetic"] = c.Synthetic,
                ["baselineAccuracy"] = c.BaselineAccuracy,
                ["candidateAccuracy"] = c.CandidateAccuracy,
                ["accuracyDropPoints"] = c.AccuracyDrop,
                ["agreement"] = c.Agreement,
                ["outputs"] = new JsonArray(c.Outputs.Select(o => (JsonNode)new JsonObject
                {
                    ["name"] = o.Name,
                    ["maxAbsError"] = Finite(o.MaxAbsError),
                    ["meanAbsError"] = Finite(o.MeanAbsError),
                    ["cosine"] = Finite(o.Cosine),
                }).ToArray()),
                ["baselineLatencyMs"] = Latency(c.BaselineLatency),
                ["candidateLatencyMs"] = Latency(c.CandidateLatency),
                ["speedup"] = c.Speedup,
                ["runtime"] = Session(c.Session),
            },
            ["passes"] = new JsonArray(r.Passes.Select(p => (JsonNode)new JsonObject
            {
                ["pass"] = p.Pass,
                ["changed"] = p.Changed,
                ["nodesTouched"] = p.NodesTouched,
                ["flopsBefore"] = p.Before.Flops,
                ["flopsAfter"] = p.After.Flops,
                ["parametersBefore"] = p.Before.Parameters,
                ["parametersAfter"] = p.After.Parameters,
                ["seconds"] = p.Duration.TotalSeconds,
                ["notes"] = new JsonArray(p.Notes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            }).ToArray()),
            ["layers"] = new JsonArray(r.Layers.Select(l => (JsonNode)new JsonObject
            {
                ["name"] = l.Name,
                ["opType"] = l.OpType,
                ["flopsBefore"] = l.FlopsBefore,
                ["flopsAfter"] = l.FlopsAfter,
                ["status"] = l.Status,
                ["why"] = l.Why,
            }).ToArray()),
            ["search"] = new JsonArray(r.SearchLog.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["notes"] = new JsonArray(r.Notes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The session options latency was measured under, named as in modelopt.json's <c>runtime</c> section.</summary>
    internal static JsonObject? Session(Validation.OrtSessionSettings? s) => s is null ? null : new JsonObject
    {
        ["executionProvider"] = s.ExecutionProvider,
        ["intraOpThreads"] = s.IntraOpThreads,
        ["graphOptimization"] = Validation.OrtSessionSettings.LevelName(s.OptimizationLevel),
    };

    private static JsonObject Figures(ModelFootprint f) => new() { ["flops"] = f.Flops, ["parameters"] = f.Parameters, ["bytes"] = f.Bytes };

    private static JsonObject? Latency(Validation.LatencyResult? l) => l is null ? null : new JsonObject { ["median"] = l.MedianSeconds * 1000, ["p90"] = l.P90Seconds * 1000 };

    // JSON has no NaN or infinity: a comparison that produced them is reported as null.
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
