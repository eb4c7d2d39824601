using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Validation.Optimization.Search;

/// <summary>
/// Which layers the search can turn and how far: the rank of a separable conv (only ranks that save
/// MACs), the rank of a low-rank fully connected layer, the ratio of a prune channel group (every
/// conv of the group together, see <see cref="PruneKnobs"/>), and int8 or float for each layer
/// quantize would rewrite. Nodes without a name cannot be addressed by per-node settings; the
/// search leaves them alone.
/// </summary>
public static class KnobCatalog
{
    /// <summary>Every pass with knobs, in the order the search lists them.</summary>
    public static IReadOnlyList<string> KnobPasses { get; } = [SeparablePass.PassName, LowRankPass.PassName, PrunePass.PassName, QuantizePass.PassName];

    /// <summary>The knob passes the search adds when the user names none of them.</summary>
    public static IReadOnlyList<string> DefaultPasses { get; } = [SeparablePass.PassName, LowRankPass.PassName];

    /// <summary>Knob passes that change a layer's shape or arithmetic, after which <c>refit</c> has something to repair.</summary>
    public static IReadOnlyList<string> StructuralPasses { get; } = [SeparablePass.PassName, LowRankPass.PassName, PrunePass.PassName];

    private static readonly double[] RankFractions = [0.75, 0.5, 0.375, 0.25, 0.1875, 0.125, 0.0625, 0.03125];

    public static IReadOnlyList<LayerKnob> For(string modelPath, OptimizeConfig config, IReadOnlyCollection<string> passes)
    {
        var model = ModelLoader.Load(modelPath);
        var knobs = new List<LayerKnob>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Name.Length == 0 || node.Domain.Length != 0) continue;
            if (passes.Contains(SeparablePass.PassName) && Separable(node) is { Count: > 0 } ranks)
                knobs.Add(new LayerKnob(node.Name, SeparablePass.PassName, ranks.Select(r => Rank(r)).ToList()));
            else if (passes.Contains(LowRankPass.PassName) && LowRank(node) is { Count: > 0 } lowRanks)
                knobs.Add(new LayerKnob(node.Name, LowRankPass.PassName, lowRanks.Select(r => Rank(r)).ToList()));
        }
        // Each of these works on a copy of its own: both sort the graph, quantize infers shapes.
        if (passes.Contains(PrunePass.PassName))
            knobs.AddRange(PruneKnobs.For(ModelLoader.Load(modelPath), config).Select(k =>
                new LayerKnob(k.Name, PrunePass.PassName, k.Steps.Select(s => new KnobSetting(s.Label, PruneKnobs.Settings(s))).ToList(), k.Nodes)));
        if (passes.Contains(QuantizePass.PassName))
            knobs.AddRange(QuantizeKnobs.For(ModelLoader.Load(modelPath), config).Select(name =>
                new LayerKnob(name, QuantizePass.PassName, [new KnobSetting("int8", new JsonObject())])));
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
