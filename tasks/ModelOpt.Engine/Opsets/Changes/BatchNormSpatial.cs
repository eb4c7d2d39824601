using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// BatchNormalization lost its <c>spatial</c> attribute at 9: statistics are per channel from
/// then on. <c>spatial=1</c> (the default) is exactly that. <c>spatial=0</c> normalized each
/// element with its own statistics (parameters shaped like one sample); with constant parameters
/// that is an element-wise <c>x·a + b</c>, which is what it becomes. At 14 the statistics outputs
/// of training mode went away: a node whose running-mean outputs are read is refused.
/// </summary>
internal static class BatchNormSpatial
{
    public static IEnumerable<OpChange> Changes =>
    [
        new OpChange("BatchNormalization", 9, SpatialRefusal, (node, _) =>
        {
            bool spatial = node.GetInt("spatial", 1) != 0;
            node.RemoveAttribute("spatial");
            if (!spatial) PerElement(node);
        }),
        new OpChange("BatchNormalization", 14,
            (node, _) => node.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput))
                ? "its training-mode statistics outputs are read, which opset 14 no longer produces outside training"
                : null,
            (_, _) => { }),
    ];

    private static string? SpatialRefusal(Node node, ConversionScope scope)
    {
        if (node.GetInt("spatial", 1) != 0) return null;
        if (node.Inputs.Skip(1).Take(4).Any(v => v?.ConstantValue is null)) return "it has spatial=0 with parameters that are not constants";
        if (node.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput))) return "it has spatial=0 and its statistics outputs are read";
        return null;
    }

    // y = (x − mean) / sqrt(var + ε) · scale + B, parameters shaped [C, D1, …]: one Mul and one Add over the batch.
    private static void PerElement(Node node)
    {
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        var scale = node.Input(1)!.ConstantValue!;
        var bias = node.Input(2)!.ConstantValue!.ToFloats();
        var mean = node.Input(3)!.ConstantValue!.ToFloats();
        var variance = node.Input(4)!.ConstantValue!.ToFloats();
        var s = scale.ToFloats();
        var a = new float[s.Length];
        var b = new float[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            a[i] = s[i] / MathF.Sqrt(variance[i] + epsilon);
            b[i] = bias[i] - mean[i] * a[i];
        }
        var graph = node.Owner;
        var factor = graph.AddInitializer(Tensor.FromFloats($"{node.Name}.factor", scale.Dims, a));
        var shift = graph.AddInitializer(Tensor.FromFloats($"{node.Name}.shift", scale.Dims, b));
        var mul = graph.CreateNode("Mul", [node.Input(0), factor], name: $"{node.Name}_mul", before: node);
        var add = graph.CreateNode("Add", [mul.Output(0), shift], name: node.Name, before: node);
        ConversionScope.Replace(node, add);
    }
}
