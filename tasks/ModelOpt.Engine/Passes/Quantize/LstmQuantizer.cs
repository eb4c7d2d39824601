using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Dynamic int8 for LSTM: the input and recurrent weights become int8 (symmetric, per gate row or
/// per direction) and the layer becomes com.microsoft <c>DynamicQuantizeLSTM</c>, ONNX Runtime's CPU
/// kernel that quantizes X and the hidden state to uint8 at every step and runs the gate products
/// as uint8×int8 GEMMs. An LSTM cannot take Q/DQ pairs (it is one op with its own loop), so this is
/// its int8 form in both static and dynamic mode.
/// </summary>
/// <remarks>
/// The contrib op reads W as [directions, input, 4·hidden] and R as [directions, hidden, 4·hidden]
/// (the transposes of ONNX's layout, so that K runs down the columns of a GEMM's B), and one float
/// scale and one zero point per direction ([directions]) or per gate row ([directions, 4·hidden]);
/// int8 weights need zero points of 0. Biases, peepholes, sequence lengths and the initial states
/// stay float and pass through. Batch-first layouts (<c>layout</c> = 1) are left float: ONNX
/// Runtime's recurrent kernels do not run them.
/// </remarks>
public static class LstmQuantizer
{
    public static int Run(Model model, PassContext context, QuantizeSettings settings, List<string> notes)
    {
        var targets = Targets(model, context, settings, notes);
        if (targets.Count == 0) return 0;
        var range = WeightRange.For(settings.ReduceRange, context.DeployCpu);
        foreach (var node in targets) Rewrite(model.Graph, node, settings.PerChannel, range);
        model.SetOpsetVersion(DynamicQuantizer.MicrosoftDomain, 1);
        notes.Add($"{targets.Count} LSTM layer(s) rewritten as DynamicQuantizeLSTM (int8 W and R {(settings.PerChannel ? "per gate row" : "per direction")}{range.Note}, uint8 inputs and hidden states quantized at every step)");
        return targets.Count;
    }

    /// <summary>
    /// The LSTMs <see cref="Run"/> rewrites. Throws MOPT2022 for one whose sequence length is not
    /// known: the speed check that decides whether int8 pays must time it at the length it runs with.
    /// </summary>
    public static List<Node> Targets(Model model, PassContext context, QuantizeSettings settings, List<string>? notes = null)
    {
        var graph = model.Graph;
        var lstms = graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType == "LSTM").ToList();
        if (lstms.Count == 0) return [];
        ShapeInference.Run(model, context.Bindings);
        var targets = new List<Node>();
        foreach (var node in lstms)
        {
            if (WhyNot(node) is { } why)
            {
                notes?.Add($"{node.Name}: kept float, {why}");
                continue;
            }
            if (context.SettingsFor(QuantizePass.PassName, node) is null || settings.Excludes(node))
            {
                notes?.Add($"{node.Name}: kept float");
                continue;
            }
            RequireSequenceLength(model, context, node);
            targets.Add(node);
        }
        return targets;
    }

    private static string? WhyNot(Node node)
    {
        if (node.GetInt("layout", 0) != 0) return "its layout is batch-first (layout = 1), which ONNX Runtime's recurrent kernels do not run";
        if (node.Input(1)?.ConstantValue is not { DataType: DataType.Float, Dims.Length: 3 }) return "its input weights W are not a constant float32 tensor";
        if (node.Input(2)?.ConstantValue is not { DataType: DataType.Float, Dims.Length: 3 }) return "its recurrent weights R are not a constant float32 tensor";
        return null;
    }

    private static void RequireSequenceLength(Model model, PassContext context, Node node)
    {
        var x = node.Input(0)!;
        Dim? seq = x.Shape is { Rank: 3 } s ? s[0] : null;
        // The binder sets a free leading dimension to 1 as if it were a batch; for an LSTM's X it is the sequence.
        bool guessed = x.IsGraphInput && !context.Bindings.Shapes.ContainsKey(x.Name) && !context.Bindings.Values.Specs.ContainsKey(x.Name)
            && x.Declaration?.Type?.TensorType?.Shape is { } declared && declared.Dim.Count == 3
            && declared.Dim[0].ValueCase != Onnx.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
        if (seq is { IsKnown: true } && !guessed) return;
        string source = SourceInput(x) is { } input ? $"it comes from input '{input.Name}' ({input.Shape?.ToString() ?? "no declared shape"}); bind its length with {OptionNames.Shape.With($"{input.Name}=...")}" : $"value '{x.Name}' has shape {x.Shape?.ToString() ?? "unknown"}; bind the inputs it is computed from with {OptionNames.Shape.Name}";
        throw new ModelOptException(ErrorCode.SequenceLengthUnknown, model.SourcePath,
            $"LSTM '{node.Name}': its sequence length (dimension 0 of X) is not known, and int8 is only kept when it is measured faster at the length the model runs with: {source}.");
    }

    // The graph input X is read from, through ops that keep its leading dimension.
    private static Value? SourceInput(Value x)
    {
        for (var v = x; v is not null; v = v.Producer?.Input(0))
            if (v.IsGraphInput && v.Initializer is null) return v;
        return null;
    }

    private static void Rewrite(Graph graph, Node node, bool perChannel, WeightRange range)
    {
        var (w, wScale) = Quantize(graph, node, 1, perChannel, range);
        var (r, rScale) = Quantize(graph, node, 2, perChannel, range);
        var zeroW = graph.AddInitializer(Tensor.FromArray($"{node.Name}.W_zero_point", DataType.Int8, wScale.Initializer!.Dims, new sbyte[wScale.Initializer!.ElementCount]));
        var zeroR = graph.AddInitializer(Tensor.FromArray($"{node.Name}.R_zero_point", DataType.Int8, rScale.Initializer!.Dims, new sbyte[rScale.Initializer!.ElementCount]));
        var inputs = new List<Value?> { node.Input(0), w, r };
        for (int i = 3; i < 8; i++) inputs.Add(node.Input(i));
        inputs.AddRange([wScale, zeroW, rScale, zeroR]);
        var fused = graph.CreateNode("DynamicQuantizeLSTM", inputs, outputCount: node.Outputs.Count, name: $"{node.Name}_quant", domain: DynamicQuantizer.MicrosoftDomain, before: node);
        foreach (var attribute in node.Proto.Attribute)
            if (attribute.Name != "layout") fused.SetAttribute(attribute.Clone());
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } old) continue;
            var y = fused.Output(i);
            y.ElementType = old.ElementType;
            y.Shape = old.Shape;
            graph.ReplaceKeepingName(old, y, "_float");
        }
        graph.RemoveNode(node, force: true);
    }

    // W [dirs, gates·H, K] → int8 [dirs, K, gates·H], one symmetric scale per gate row (or per direction).
    private static (Value Weights, Value Scales) Quantize(Graph graph, Node node, int slot, bool perChannel, WeightRange range)
    {
        var tensor = node.Input(slot)!.ConstantValue!;
        float[] w = tensor.ToFloats();
        int dirs = (int)tensor.Dims[0], rows = (int)tensor.Dims[1], k = (int)tensor.Dims[2];
        var rowScales = new float[dirs * rows];
        for (int d = 0; d < dirs; d++)
            for (int r = 0; r < rows; r++)
                rowScales[d * rows + r] = range.Scale(w, ((long)d * rows + r) * k, k, 1);
        var scales = perChannel ? rowScales : Enumerable.Range(0, dirs).Select(d => rowScales.AsSpan(d * rows, rows).ToArray().Max()).ToArray();
        var q = new sbyte[w.Length];
        for (int d = 0; d < dirs; d++)
            for (int r = 0; r < rows; r++)
            {
                float scale = perChannel ? scales[d * rows + r] : scales[d];
                for (int j = 0; j < k; j++)
                    q[((long)d * k + j) * rows + r] = WeightRange.Quantize(w[((long)d * rows + r) * k + j], scale);
            }
        string label = slot == 1 ? "W" : "R";
        var weights = graph.AddInitializer(Tensor.FromArray($"{node.Name}.{label}_quantized", DataType.Int8, [dirs, k, rows], q));
        var scaleValue = graph.AddInitializer(Tensor.FromFloats($"{node.Name}.{label}_scale", perChannel ? [dirs, rows] : [dirs], scales));
        return (weights, scaleValue);
    }
}
