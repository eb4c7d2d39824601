using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// The element type of every value of one graph, propagated from inputs, constants and the
/// type rules of the default-domain ops. Exporters such as paddle2onnx write no value_info, so the
/// fp16 pass cannot rely on declarations to know which values are float32. Undefined means "not
/// known"; the pass then leaves the reading node in float32.
/// </summary>
internal static class ElementTypeInference
{
    private static readonly HashSet<string> Int64Outputs = new(StringComparer.Ordinal)
    {
        "Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression",
    };

    private static readonly HashSet<string> BoolOutputs = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf",
    };

    public static Dictionary<Value, DataType> Infer(Graph graph)
    {
        var types = new Dictionary<Value, DataType>(ReferenceEqualityComparer.Instance);
        foreach (var v in graph.Inputs) types[v] = v.ElementType;
        foreach (var v in graph.Initializers) types[v] = v.Initializer!.DataType;
        foreach (var node in graph.Nodes)
        {
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i] is not { } output) continue;
                var inferred = OutputType(node, i, v => v is null ? DataType.Undefined : types.GetValueOrDefault(v, v.ElementType));
                types[output] = inferred != DataType.Undefined ? inferred : output.ElementType;
            }
        }
        return types;
    }

    private static DataType OutputType(Node node, int index, Func<Value?, DataType> typeOf)
    {
        if (node.Domain.Length != 0 || node.Subgraphs.Count > 0) return DataType.Undefined;
        if (node.ConstantOutput is { } constant) return constant.DataType;
        string op = node.OpType;
        if (Int64Outputs.Contains(op)) return DataType.Int64;
        if (BoolOutputs.Contains(op)) return DataType.Bool;
        switch (op)
        {
            case "Cast":
                return (DataType)node.GetInt("to", 0);
            case "CastLike":
                return typeOf(node.Input(1));
            case "ConstantOfShape":
                return node.Attribute("value")?.T is { } t ? (DataType)t.DataType : DataType.Float;
            case "TopK" when index == 1:
            case "MaxPool" when index == 1:
            case "Unique" when index > 0:
                return DataType.Int64;
            case "Where":
                return typeOf(node.Input(1));
            case "DequantizeLinear":
                return typeOf(node.Input(1));
            case "QuantizeLinear":
                return node.Input(2) is { } zeroPoint ? typeOf(zeroPoint) : DataType.Uint8;
            case "EyeLike" or "RandomNormalLike" or "RandomUniformLike":
                return node.Attribute("dtype") is { } d ? (DataType)d.I : typeOf(node.Input(0));
            case "RandomNormal" or "RandomUniform":
                return node.Attribute("dtype") is { } dt ? (DataType)dt.I : DataType.Float;
        }
        // Everything else (element-wise math, convolutions, reshaping, Gather, Concat, Resize, …)
        // yields the type of its first input.
        foreach (var input in node.Inputs)
            if (input is not null) return typeOf(input);
        return DataType.Undefined;
    }
}
