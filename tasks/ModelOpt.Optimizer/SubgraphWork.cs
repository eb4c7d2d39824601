using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;

namespace ModelOpt.Optimizer;

/// <summary>
/// Says why passes changed nothing when the model's compute sits inside If/Loop bodies (Silero VAD
/// runs its whole network in the branch its sample rate selects): passes rewrite the main graph
/// only — freeze inlines the If branches bound values select — and an unchanged model written
/// without a word would look like an optimization.
/// </summary>
internal static class SubgraphWork
{
    private static readonly HashSet<string> Compute = ["Conv", "ConvTranspose", "Gemm", "MatMul", "LSTM", "GRU", "RNN"];

    public static string? Explain(Model model, IReadOnlyList<PassReport> reports)
    {
        // freeze tidies constants anywhere; the passes that compress or quantize are the ones that matter.
        var work = reports.Where(r => r.Pass != "freeze").ToList();
        if (work.Count == 0 || work.Any(r => r.NodesTouched > 0)) return null;
        var inside = model.Graph.AllNodes().Where(n => n.Owner.OwnerNode is not null && n.Domain.Length == 0 && Compute.Contains(n.OpType)).ToList();
        if (inside.Count == 0) return null;
        var owners = inside.Select(n => Top(n).Name).Distinct().Take(3);
        var kinds = inside.GroupBy(n => n.OpType).Select(g => $"{g.Count()} {g.Key}");
        return $"{string.Join(", ", work.Select(r => r.Pass))} rewrote nothing: the model's compute ({string.Join(", ", kinds)}) sits inside the body of {string.Join(", ", owners.Select(o => $"'{o}'"))}, which passes do not enter{(inside.Any(n => Top(n).OpType == "If") ? ": " + Unlock(model, reports) : "")}; the written model computes exactly as the original.";
    }

    // freeze inlines an If it can decide; say what it lacked.
    private static string Unlock(Model model, IReadOnlyList<PassReport> reports) =>
        reports.Any(r => r.Pass == "freeze") && model.Graph.Nodes.Any(n => n.OpType == "If")
            ? $"freeze could not decide its condition; bind the inputs it reads with {OptionNames.Value.Name} (e.g. {OptionNames.Value.With("sr=16000")}) so freeze inlines the branch they select"
            : $"run 'freeze' first with the inputs its condition reads bound (e.g. {OptionNames.Value.With("sr=16000")}), which inlines the If branch they select";

    private static Node Top(Node node)
    {
        var top = node;
        while (top.Owner.OwnerNode is { } owner) top = owner;
        return top;
    }
}
