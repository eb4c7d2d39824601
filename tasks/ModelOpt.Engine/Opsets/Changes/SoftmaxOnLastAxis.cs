using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Softmax, LogSoftmax and Hardmax before 13 flattened their input to 2-D at <c>axis</c> (default
/// 1) and normalized over everything after it; from 13 they normalize over the one axis. On the
/// last axis both mean the same. Elsewhere the old meaning is spelled out: Flatten at the axis,
/// the op over the flattened axis, and a Reshape back to the input's shape.
/// </summary>
internal static class SoftmaxOnLastAxis
{
    public static IEnumerable<OpChange> Changes => new[] { "Softmax", "LogSoftmax", "Hardmax" }.Select(op => OpChange.Always(op, 13, Convert));

    private static void Convert(Node node, ConversionScope scope)
    {
        long axis = node.GetInt("axis", 1);
        int? rank = node.Input(0)?.Shape?.Rank;
        if (axis == -1 || (rank is int r && (axis < 0 ? axis + r : axis) == r - 1))
        {
            node.SetInt("axis", -1);
            return;
        }
        var graph = node.Owner;
        var x = node.Input(0)!;
        var flatten = graph.CreateNode("Flatten", [x], name: $"{node.Name}_flatten", before: node);
        flatten.SetInt("axis", axis);
        var op = graph.CreateNode(node.OpType, [flatten.Output(0)], name: $"{node.Name}_2d", before: node);
        op.SetInt("axis", -1);
        var shape = graph.CreateNode("Shape", [x], name: $"{node.Name}_shape", before: node);
        var reshape = graph.CreateNode("Reshape", [op.Output(0), shape.Output(0)], name: node.Name, before: node);
        ConversionScope.Replace(node, reshape);
    }
}
