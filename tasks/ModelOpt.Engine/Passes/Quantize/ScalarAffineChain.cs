using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// y = c·h + b written as a scalar Mul and/or a scalar Add (exporters emit such pairs after convs and
/// hard-swish): the source h, the factor c, the shift b and the nodes computing it.
/// </summary>
internal sealed record ScalarAffineChain(Value Source, float Factor, float Shift, IReadOnlyList<Node> Nodes)
{
    /// <summary>The chain ending in <paramref name="y"/>, whose intermediate value has no other reader; null when y is not one.</summary>
    public static ScalarAffineChain? Match(Value y)
    {
        if (y.IsGraphOutput || y.Producer is not { } last) return null;
        float c = 1, b = 0;
        var nodes = new List<Node>();
        Value h = y;
        if (ScalarOperand(last, "Add") is { } add)
        {
            (h, b) = add;
            nodes.Add(last);
        }
        if (h.Producer is { } mulNode && (nodes.Count == 0 || (!h.IsGraphOutput && h.Uses.Count == 1)) && ScalarOperand(mulNode, "Mul") is { } mul)
        {
            (h, c) = mul;
            nodes.Add(mulNode);
        }
        if (nodes.Count == 0 || !float.IsFinite(c) || !float.IsFinite(b)) return null;
        return new ScalarAffineChain(h, c, b, nodes);
    }

    /// <summary>The non-constant input and the scalar constant of a Mul/Add, or null.</summary>
    private static (Value Input, float Constant)? ScalarOperand(Node node, string opType)
    {
        if (node.OpType != opType || node.Domain.Length != 0 || node.Inputs.Count != 2) return null;
        for (int i = 0; i < 2; i++)
        {
            if (node.Input(i)?.ConstantValue is { DataType: DataType.Float, ElementCount: 1 } t && node.Input(1 - i) is { ConstantValue: null } x
                && x.ElementType == DataType.Float)
                return (x, t.ToFloats()[0]);
        }
        return null;
    }
}
