using ModelOpt.Engine.Cost;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// FLOPs of the Conv/Gemm/MatMul nodes with constant weights (2·MACs; MACs = weight elements ×
/// output positions), as a function of the channels each group keeps. These are the ops pruning
/// changes and they dominate a CNN's cost; element-wise ops are left out.
/// </summary>
internal sealed class LinearCost
{
    private readonly List<(Node Node, long[] Dims, double Positions, List<SliceRequest> Cuts)> _layers = [];
    private readonly ChannelGroups _groups;

    private LinearCost(ChannelGroups groups) => _groups = groups;

    /// <summary>The first node whose output shape is unknown, so its cost cannot be counted; null when all are known.</summary>
    public Node? Unmeasured { get; private set; }

    public static LinearCost Build(Graph graph, ChannelGroups groups)
    {
        var cost = new LinearCost(groups);
        var cuts = groups.Requests.Where(r => r.Input == 1).ToLookup(r => r.Node);
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Conv" or "Gemm" or "MatMul")) continue;
            if (node.Input(1)?.ConstantValue is not { } weight || weight.Dims.Length < 2) continue;
            var shape = node.Output(0).Shape;
            int channelAxis = node.OpType == "Conv" ? 1 : (shape?.Rank ?? 0) - 1;
            if (shape?.ElementCount is not long elements || channelAxis < 0 || shape[channelAxis].Value is not long outDim || outDim == 0)
            {
                cost.Unmeasured ??= node;
                continue;
            }
            cost._layers.Add((node, weight.Dims, (double)elements / outDim, cuts[node].ToList()));
        }
        return cost;
    }

    /// <summary>FLOPs with <paramref name="keepCounts"/> channels kept per group (groups not listed keep all).</summary>
    public double Flops(IReadOnlyDictionary<int, int> keepCounts) => Flops(keepCounts, null);

    /// <summary>The same, counting only the layers in <paramref name="only"/> (all when null).</summary>
    public double Flops(IReadOnlyDictionary<int, int> keepCounts, IReadOnlySet<Node>? only)
    {
        double total = 0;
        foreach (var (node, dims, positions, cuts) in _layers)
        {
            if (only is not null && !only.Contains(node)) continue;
            var kept = (long[])dims.Clone();
            foreach (var cut in cuts)
            {
                int root = _groups.Find(cut.Group);
                if (keepCounts.TryGetValue(root, out int keep)) kept[cut.Axis] -= (long)(_groups.Count(root) - keep) * cut.Block;
            }
            total += 2 * LinearMacs.Of(positions, kept);
        }
        return total;
    }
}
