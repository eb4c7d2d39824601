using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Raises an opset-11/12 model to opset 13, which per-channel DequantizeLinear (its <c>axis</c>)
/// needs: ONNX Runtime refuses the attribute below 13. Only the operators whose form changed
/// between 11 and 13 are rewritten (axes and split moved from attributes to inputs; Softmax's
/// axis semantics). Anything older, or a Softmax whose rank is unknown, is reported instead.
/// </summary>
public static class OpsetUpgrade
{
    public const long PerChannelOpset = 13;

    /// <summary>Returns null when the model is at opset 13 or more afterwards, or why it could not be raised.</summary>
    public static string? TryRaiseTo13(Model model)
    {
        long opset = model.OpsetVersion() ?? 1;
        if (opset >= PerChannelOpset) return null;
        if (opset < 11) return $"the model is at opset {opset}; only opset 11 and 12 models are raised to 13 (Resize, Slice and Upsample changed before 11)";
        foreach (var node in model.Graph.AllNodes())
        {
            if (node.Domain.Length != 0) continue;
            if (node.OpType is "Softmax" or "LogSoftmax" or "Hardmax")
            {
                long axis = node.GetInt("axis", 1);
                int? rank = node.Input(0)?.Shape?.Rank;
                if (rank is null) return $"{node} has an input of unknown rank, so its opset-11 axis meaning cannot be kept";
                if (axis < 0) axis += rank.Value;
                if (axis != rank.Value - 1) return $"{node} normalizes over axes {axis}.. (the opset-11 meaning), which opset 13 expresses differently";
            }
        }
        foreach (var graph in Graphs(model.Graph))
        {
            foreach (var node in graph.Nodes)
            {
                if (node.Domain.Length != 0) continue;
                switch (node.OpType)
                {
                    case "Squeeze" or "Unsqueeze" or "ReduceSum":
                        MoveIntsToInput(graph, node, "axes", 1);
                        break;
                    case "Split":
                        MoveIntsToInput(graph, node, "split", 1);
                        break;
                    case "Softmax" or "LogSoftmax" or "Hardmax":
                        node.SetInt("axis", -1);
                        break;
                }
            }
        }
        model.SetOpsetVersion("", PerChannelOpset);
        return null;
    }

    /// <summary>
    /// Raises an opset-13 model to 14, where HardSwish exists. Nothing an opset-13 model can say
    /// changes meaning at 14 (new: HardSwish, Trilu, Reshape's allowzero and the RNNs' layout, both
    /// defaulting to the old behaviour, BatchNormalization's training_mode, defaulting to inference).
    /// </summary>
    public static bool TryRaise13To14(Model model)
    {
        if (model.OpsetVersion() != PerChannelOpset) return false;
        model.SetOpsetVersion("", 14);
        return true;
    }

    private static IEnumerable<Graph> Graphs(Graph graph)
    {
        yield return graph;
        foreach (var node in graph.Nodes)
            foreach (var sub in node.Subgraphs.Values)
                foreach (var g in Graphs(sub)) yield return g;
    }

    private static void MoveIntsToInput(Graph graph, Node node, string attribute, int inputIndex)
    {
        if (node.GetInts(attribute) is not { } values) return;
        node.RemoveAttribute(attribute);
        var init = graph.AddInitializer(Tensor.FromInt64s($"{node.Name}.{attribute}", [values.Length], values));
        while (node.Inputs.Count < inputIndex) node.AddInput(null);
        node.SetInput(inputIndex, init);
    }
}
