using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// Computes every node's cost (MACs, FLOPs, parameters, weight and activation bytes) from the
/// shapes inference left on the model. Nodes inside subgraphs are visited once each: a Loop body
/// is counted as one iteration; an If branch ruled out by bound values is left out.
/// </summary>
public static class CostModel
{
    public static IReadOnlyList<NodeCost> Compute(Model model, ShapeInferenceResult? shapes = null)
    {
        var costs = new List<NodeCost>(model.Graph.NodeCount);
        var counted = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var node in model.Graph.AllNodes())
        {
            // A branch that bound values rule out never runs: it costs nothing and is not listed.
            if (shapes?.IsNotTaken(node) == true) continue;
            costs.Add(Cost(node, counted, shapes));
        }
        return costs;
    }

    private static NodeCost Cost(Node node, HashSet<Value> countedWeights, ShapeInferenceResult? shapes)
    {
        long parameters = 0, weightBytes = 0;
        // A rearrangement of stored tensors leaves them to the layer that reads its result.
        bool defers = WeightSlots.IsLayoutOnly(node) && node.Outputs.All(o => o is null || WeightSlots.StoredSources(o).Count > 0);
        if (!defers)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input) continue;
                foreach (var (stored, tensor) in WeightSlots.StoredSources(input))
                {
                    // A weight is attributed to the first node that reads it: shared weights count once.
                    if (!WeightSlots.IsWeight(node, i, tensor) || !countedWeights.Add(stored)) continue;
                    parameters += tensor.ElementCount;
                    weightBytes += tensor.ByteSize;
                }
            }
        }

        bool isConstant = node.OpType == "Constant" && node.Domain.Length == 0;
        long activationBytes = 0;
        bool outputsKnown = true;
        var outputShapes = new List<string>(node.Outputs.Count);
        foreach (var output in node.Outputs)
        {
            if (output is null) continue;
            outputShapes.Add(output.Shape?.ToString() ?? "?");
            if (output.Shape?.ElementCount is long n) activationBytes += isConstant ? 0 : DataTypes.ByteSize(output.ElementType, n);
            else outputsKnown = false;
        }

        bool known = CostTable.IsKnown(node.Domain, node.OpType);
        long? macs = null, flops = null;
        string? note = null;
        if (known)
        {
            try
            {
                var cost = CostTable.Compute(new CostContext(node));
                (macs, flops) = (cost.Macs, cost.Flops);
            }
            catch (MissingShape e)
            {
                note = $"cost unknown: {e.Message}" + (shapes?.ReasonFor(node) is { } why ? $" ({why})" : "");
            }
        }
        else note = $"{Describe(node)} is not in the cost model";
        if (note is null && !outputsKnown && shapes?.ReasonFor(node) is { } reason) note = $"shape unknown: {reason}";
        if (node.Owner.OwnerNode is { } owner) note = (note is null ? "" : note + "; ") + $"inside {owner.OpType} '{owner.Name}', counted once";

        var source = node.Outputs.FirstOrDefault(o => o is not null)?.ShapeSource ?? ShapeSource.Unknown;
        return new NodeCost(node.Name, node.OpType, node.Domain, macs, flops, parameters, weightBytes, activationBytes,
            outputShapes, source, known, note);
    }

    private static string Describe(Node node) => node.Domain.Length > 0 ? $"{node.Domain}:{node.OpType}" : node.OpType;
}
