using ModelOpt.Engine.IR;
using ModelOpt.Engine.Opsets.Changes;

namespace ModelOpt.Engine.Opsets;

/// <summary>
/// Raises a model's default-domain opset (from 7 up to <see cref="HighestTarget"/>) without
/// changing what it computes: every node whose op changed form or meaning in between is
/// rewritten into the later form (<see cref="OpChange"/>, one file per op family under
/// Changes/), the others are checked against the ops known to mean the same
/// (<see cref="UnchangedOps"/>). ONNX's own version converter is the reference for which op
/// changed where. All or nothing: the whole model, subgraphs included, is checked before
/// anything is rewritten, so a refused model is left exactly as it was. The IR version is raised
/// with the opset (to the one released with it) when it was older.
/// </summary>
public static class OpsetConverter
{
    /// <summary>The oldest opset converted: below 7 the element-wise ops had their own broadcast attribute.</summary>
    public const long LowestSource = 7;

    /// <summary>The newest opset reached: from 18 on the reductions take their axes as an input.</summary>
    public const long HighestTarget = 14;

    private static readonly ILookup<string, OpChange> Changes =
        AttributesToInputs.Changes
            .Concat(BoundsToInputs.Changes)
            .Concat(UpsampleToResize.Changes)
            .Concat(BatchNormSpatial.Changes)
            .Concat(DropoutToIdentity.Changes)
            .Concat(SoftmaxOnLastAxis.Changes)
            .Concat(RemovedOps.Changes)
            .ToLookup(c => c.OpType, StringComparer.Ordinal);

    /// <summary>
    /// Raises <paramref name="model"/> to <paramref name="target"/> in place. The result names the
    /// first node that cannot be carried over (op, node and why, one line) when there is one; the
    /// model is then unchanged. A model already at or above the target is left alone.
    /// </summary>
    public static OpsetConversion Raise(Model model, long target)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, HighestTarget);
        long from = model.OpsetVersion() ?? 1;
        var rewritten = new Dictionary<string, int>(StringComparer.Ordinal);
        if (from >= target) return new OpsetConversion(from, from, rewritten, null);
        if (from < LowestSource)
            return new OpsetConversion(from, target, rewritten,
                $"the model is at opset {from}; only opset {LowestSource} and later are raised (before 7 the element-wise ops broadcast by attribute): re-export it at a later opset");

        var scope = new ConversionScope(from, target);
        var nodes = Graphs(model.Graph).SelectMany(g => g.Nodes).Where(n => n.Domain.Length == 0).ToList();
        foreach (var node in nodes)
        {
            if (Refusal(node, scope) is { } why)
                return new OpsetConversion(from, target, rewritten, $"cannot raise opset {from} to {target}: {node} {why}");
        }
        foreach (var node in nodes)
        {
            foreach (var change in Applicable(node.OpType, scope))
            {
                string op = node.OpType;
                change.Apply(node, scope);
                rewritten[op] = rewritten.GetValueOrDefault(op) + 1;
                if (node.ListNode is null || node.OpType != op) break;   // replaced, or now another op
            }
        }
        model.SetOpsetVersion("", target);
        IrVersions.Raise(model, IrVersions.For(target));
        return new OpsetConversion(from, target, rewritten, null);
    }

    /// <summary>Null when every default-domain node can be raised to <paramref name="target"/>; else the first refusal.</summary>
    public static string? WhyNot(Model model, long target)
    {
        long from = model.OpsetVersion() ?? 1;
        if (from >= target) return null;
        if (from < LowestSource) return $"the model is at opset {from}; only opset {LowestSource} and later are raised";
        var scope = new ConversionScope(from, target);
        foreach (var node in Graphs(model.Graph).SelectMany(g => g.Nodes).Where(n => n.Domain.Length == 0))
            if (Refusal(node, scope) is { } why) return $"cannot raise opset {from} to {target}: {node} {why}";
        return null;
    }

    private static string? Refusal(Node node, ConversionScope scope)
    {
        long? since = UnchangedOps.StableSince(node.OpType);
        bool changes = Changes.Contains(node.OpType);
        if (since is null && !changes) return "is an op this converter does not know (a custom op belongs in its own domain)";
        if (since > scope.From && !changes) return $"has the meaning of opset {since}, later than the model's opset {scope.From}";
        foreach (var change in Applicable(node.OpType, scope))
            if (change.Refusal(node, scope) is { } why) return $"cannot be converted: {why}";
        return null;
    }

    private static IEnumerable<OpChange> Applicable(string op, ConversionScope scope) =>
        Changes[op].Where(c => scope.From < c.At && c.At <= scope.To).OrderBy(c => c.At);

    internal static IEnumerable<Graph> Graphs(Graph graph)
    {
        yield return graph;
        foreach (var node in graph.Nodes)
            foreach (var sub in node.Subgraphs.Values)
                foreach (var g in Graphs(sub)) yield return g;
    }
}
