using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Turns Constant nodes into initializers. Exporters such as paddle2onnx put every weight in a
/// Constant node; the quantizer rewrites initializers, and ORT's QDQ fusion looks for them too.
/// </summary>
public static class ConstantsToInitializers
{
    public static int Run(Graph graph)
    {
        int moved = 0;
        foreach (var node in graph.Nodes)
        {
            if (node.OpType != "Constant" || node.Domain.Length != 0 || node.Outputs.Count != 1) continue;
            var output = node.Output(0);
            if (output.IsGraphOutput || node.ConstantOutput is not { } tensor) continue;
            var init = graph.AddInitializer(tensor.WithName(output.Name + "_init"));
            graph.ReplaceAllUses(output, init);
            graph.RemoveNode(node);
            moved++;
        }
        return moved;
    }
}
