using System.Text.Json.Nodes;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;

namespace ModelOpt.Validation.Optimization.Search;

/// <summary>One setting of a knob: a label for the log and the pass settings for that node.</summary>
public sealed record KnobSetting(string Label, JsonObject Settings);

/// <summary>A layer the search may rewrite, with its settings from mildest to most aggressive.</summary>
public sealed record LayerKnob(string Node, string Pass, IReadOnlyList<KnobSetting> Ladder);

/// <summary>
/// Which layers the search can turn and how far: the rank of a separable conv (only ranks that save
/// MACs) and the rank of a low-rank fully connected layer. Nodes without a name cannot be addressed
/// by per-node settings and are left to the passes' defaults.
/// </summary>
public static class KnobCatalog
{
    public static IReadOnlyList<string> KnobPasses { get; } = [SeparablePass.PassName, LowRankPass.PassName];

    private static readonly double[] RankFractions = [0.75, 0.5, 0.375, 0.25, 0.1875, 0.125, 0.0625, 0.03125];

    public static IReadOnlyList<LayerKnob> For(Model model, IReadOnlyCollection<string> passes)
    {
        var knobs = new List<LayerKnob>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Name.Length == 0 || node.Domain.Length != 0) continue;
            if (passes.Contains(SeparablePass.PassName) && Separable(node) is { Count: > 0 } ranks)
                knobs.Add(new LayerKnob(node.Name, SeparablePass.PassName, ranks.Select(r => Rank(r)).ToList()));
            else if (passes.Contains(LowRankPass.PassName) && LowRank(node) is { Count: > 0 } lowRanks)
                knobs.Add(new LayerKnob(node.Name, LowRankPass.PassName, lowRanks.Select(r => Rank(r)).ToList()));
        }
        return knobs;
    }

    private static KnobSetting Rank(int rank) => new($"rank {rank}", new JsonObject { ["rank"] = rank });

    // Ranks r with r·(k² + Cout) < Cout·k², highest (mildest) first.
    private static List<int> Separable(Node conv)
    {
        if (conv.OpType != "Conv" || conv.GetInt("group", 1) != 1 || conv.Input(1)?.ConstantValue is not { Dims.Length: 4 } w) return [];
        long cout = w.Dims[0], k = w.Dims[2] * w.Dims[3];
        if (k == 1) return [];
        return Enumerable.Range(1, (int)Math.Min(cout, k)).Where(r => r * (k + cout) < cout * k).OrderDescending().ToList();
    }

    // Fractions of the full rank that save MACs (r·(K + N) < K·N), mildest first.
    private static List<int> LowRank(Node node)
    {
        if (node.OpType is not ("Gemm" or "MatMul") || (node.OpType == "Gemm" && node.GetInt("transA", 0) != 0)) return [];
        if (node.Input(1)?.ConstantValue is not { Dims.Length: 2 } w) return [];
        long k = w.Dims[0], n = w.Dims[1], full = Math.Min(k, n);
        return RankFractions.Select(f => (int)Math.Max(1, Math.Round(full * f))).Distinct().Where(r => r * (k + n) < k * n).ToList();
    }
}
