using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Raises an opset-9…12 model to opset 13, which per-channel DequantizeLinear (its <c>axis</c>)
/// needs: ONNX Runtime refuses the attribute below 13. Only the operators whose form changed
/// between 9 and 13 by moving attributes to inputs are rewritten (Slice at 10, Clip at 11, axes
/// and split at 13), plus Softmax's axis semantics. A model with an operator that changed more
/// (Upsample, Resize, Pad, TopK, ...), or a Softmax whose rank is unknown, is reported instead.
/// </summary>
public static class OpsetUpgrade
{
    public const long PerChannelOpset = 13;

    /// <summary>Returns null when the model is at opset 13 or more afterwards, or why it could not be raised.</summary>
    public static string? TryRaiseTo13(Model model)
    {
        long opset = model.OpsetVersion() ?? 1;
        if (opset >= PerChannelOpset) return null;
        if (opset < 9) return $"the model is at opset {opset}; only opset 9 to 12 models are raised to 13";
        if (opset < 11 && model.Graph.AllNodes().FirstOrDefault(n => n.Domain.Length == 0 && ChangedBefore11.Contains(n.OpType)) is { } changed)
            return $"the model is at opset {opset} and has {changed}, whose meaning or inputs changed before opset 11";
        foreach (var node in model.Graph.AllNodes())
        {
            if (node.Domain.Length != 0) continue;
            if (node.OpType is "Softmax" or "LogSoftmax" or "Hardmax")
            {
                long axis = node.GetInt("axis", 1);
                if (axis == -1) continue;   // the last axis alone: the same at every rank and opset
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
                    case "Slice" when opset < 10:
                        // Opset 10 made starts, ends and axes inputs.
                        var axes = node.GetInts("axes");
                        MoveIntsToInput(graph, node, "starts", 1);
                        MoveIntsToInput(graph, node, "ends", 2);
                        if (axes is not null) MoveIntsToInput(graph, node, "axes", 3);
                        break;
                    case "Clip" when opset < 11:
                        MoveClipBoundsToInputs(graph, node);
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

    /// <summary>Ops whose opset-9/10 form cannot be rewritten by moving attributes to inputs.</summary>
    private static readonly HashSet<string> ChangedBefore11 = new(StringComparer.Ordinal)
    {
        "Upsample", "Resize", "Pad", "TopK", "Dropout", "Scan", "Scatter", "MaxUnpool",
    };

    /// <summary>Clip-6's min/max attributes as Clip-11's optional inputs (absent means unbounded, as before).</summary>
    private static void MoveClipBoundsToInputs(Graph graph, Node node)
    {
        float? min = node.Attribute("min")?.F, max = node.Attribute("max")?.F;
        node.RemoveAttribute("min");
        node.RemoveAttribute("max");
        node.SetInput(1, min is float lo ? graph.AddInitializer(Tensor.FromFloats($"{node.Name}.min", [], [lo])) : null);
        node.SetInput(2, max is float hi ? graph.AddInitializer(Tensor.FromFloats($"{node.Name}.max", [], [hi])) : null);
        if (max is null) node.TruncateInputs(min is null ? 1 : 2);
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
