using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Ops that left the default domain, written with the ops that replaced them: Scatter (11) is
/// ScatterElements under another name; ImageScaler (experimental, gone at 10) is a per-channel
/// <c>x·scale + bias</c> on NCHW data. Scan before 9 had a batch axis and sequence lengths that
/// Scan-9 does not: refused.
/// </summary>
internal static class RemovedOps
{
    public static IEnumerable<OpChange> Changes =>
    [
        OpChange.Always("Scatter", 11, (node, _) => node.Proto.OpType = "ScatterElements"),
        OpChange.Always("ImageScaler", 10, (node, _) =>
        {
            var graph = node.Owner;
            float scale = node.GetFloat("scale", 1f);
            float[] bias = node.GetFloats("bias") ?? [];
            var factor = graph.AddInitializer(Tensor.FromFloats($"{node.Name}.scale", [], [scale]));
            var result = graph.CreateNode("Mul", [node.Input(0), factor], name: $"{node.Name}_mul", before: node);
            if (bias.Length > 0)
            {
                var shift = graph.AddInitializer(Tensor.FromFloats($"{node.Name}.bias", [1, bias.Length, 1, 1], bias));
                result = graph.CreateNode("Add", [result.Output(0), shift], name: $"{node.Name}_add", before: node);
            }
            ConversionScope.Replace(node, result);
        }),
        OpChange.Refused("Scan", 9, "Scan before opset 9 had a batch axis and sequence lengths that Scan-9 does not; re-export the model at opset 9 or later"),
    ];
}
