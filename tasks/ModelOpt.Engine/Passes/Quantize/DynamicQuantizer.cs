using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Dynamic int8 for MatMul/Gemm with constant weights: weights become int8 (symmetric, per output
/// column or per tensor) and the layer becomes com.microsoft <c>DynamicQuantizeMatMul</c>, which
/// quantizes its input to uint8 at run time. Convs are never touched: ConvInteger is slow or
/// missing on ORT's CPU provider. In static mode the layers chosen dynamic per node
/// (<see cref="QuantizeSettings.DynamicMatMul"/>) are rewritten so after the static ones. The contrib op is what ORT itself fuses the portable form
/// (DynamicQuantizeLinear + MatMulInteger + Cast + Mul) into, so writing it directly is the same
/// kernel without relying on the fusion. Layers that read the same input (a transformer's query, key
/// and value projections) share one run-time quantization of it, as ONNX Runtime's own quantizer
/// writes them: one <c>DynamicQuantizeLinear</c> feeding a <c>MatMulIntegerToFloat</c> per layer, so
/// the input is scanned and rounded once instead of once per layer, with the same uint8 values.
/// </summary>
public static class DynamicQuantizer
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <param name="only">Static mode: the layers chosen dynamic (<see cref="QuantizeSettings.DynamicMatMul"/>); null: every target.</param>
    public static int Run(Model model, PassContext context, QuantizeSettings settings, List<string> notes, Func<Node, bool>? only = null)
    {
        var graph = model.Graph;
        int rewritten = 0, shared = 0;
        var range = WeightRange.For(settings.ReduceRange, context.DeployCpu);
        var targets = Targets(model, context, settings, only is null ? notes : null).Where(n => only?.Invoke(n) ?? true).ToList();
        // Targets come in topological order, so each group's first layer is where its input is first read.
        foreach (var group in targets.GroupBy(n => n.Input(0)!).ToList())
        {
            var quantized = group.Count() > 1 ? SharedQuantization(graph, group.Key, group.First()) : null;
            if (quantized is not null) shared += group.Count();
            foreach (var node in group)
            {
                Rewrite(graph, node, settings.PerChannel, range, quantized);
                rewritten++;
            }
        }
        if (rewritten > 0)
        {
            model.SetOpsetVersion(MicrosoftDomain, 1);
            notes.Add($"{rewritten} MatMul/Gemm layers rewritten as dynamic int8 (int8 weights {(settings.PerChannel ? "per column" : "per tensor")}{range.Note}, uint8 activations quantized at run time"
                + (shared > 0 ? $"; {shared} of them read an input another one reads and share its one quantization (MatMulIntegerToFloat)" : "") + ")");
        }
        return rewritten;
    }

    /// <summary>The layers <see cref="Run"/> rewrites (it moves Constant nodes into initializers and sorts <paramref name="model"/> first).</summary>
    public static List<Node> Targets(Model model, PassContext context, QuantizeSettings settings, List<string>? notes = null)
    {
        var graph = model.Graph;
        int moved = ConstantsToInitializers.Run(graph);
        if (moved > 0) notes?.Add($"{moved} Constant nodes turned into initializers");
        graph.SortTopologically();
        var layers = graph.Nodes.Where(IsCandidate).ToList();
        var keep = new HashSet<Node>();
        if (settings.KeepFirst && layers.Count > 0) keep.Add(layers[0]);
        if (settings.KeepLast && layers.Count > 0) keep.Add(layers[^1]);
        var targets = new List<Node>();
        foreach (var node in layers)
        {
            if (context.SettingsFor(QuantizePass.PassName, node) is null || settings.Excludes(node) || keep.Contains(node)) notes?.Add($"{node.Name}: kept float");
            else targets.Add(node);
        }
        return targets;
    }

    internal static bool IsCandidate(Node node)
    {
        if (node.Domain.Length != 0) return false;
        if (node.OpType == "MatMul") return node.Input(1)?.ConstantValue is { DataType: DataType.Float, Dims.Length: 2 };
        if (node.OpType != "Gemm") return false;
        if (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1) != 1 || node.GetFloat("beta", 1) != 1) return false;
        if (node.Input(1)?.ConstantValue is not { DataType: DataType.Float, Dims.Length: 2 } w) return false;
        long n = w.Dims[node.GetInt("transB", 0) == 1 ? 0 : 1];
        return node.Input(2) is null || node.Input(2)!.ConstantValue is { DataType: DataType.Float, Dims.Length: 1 } b && b.Dims[0] == n;
    }

    /// <summary>One <c>DynamicQuantizeLinear</c> of <paramref name="input"/>: its uint8 values, scale and zero point.</summary>
    private static Node SharedQuantization(Graph graph, Value input, Node firstReader)
    {
        var node = graph.CreateNode("DynamicQuantizeLinear", [input], outputCount: 3, name: $"{input.Name}_dynamic_quantize", before: firstReader);
        node.Output(0).ElementType = DataType.Uint8;
        node.Output(0).Shape = input.Shape;
        node.Output(1).ElementType = DataType.Float;
        node.Output(1).Shape = TensorShape.Scalar;
        node.Output(2).ElementType = DataType.Uint8;
        node.Output(2).Shape = TensorShape.Scalar;
        return node;
    }

    /// <param name="quantized">The input's shared quantization (<see cref="SharedQuantization"/>), or null for a layer that quantizes its own.</param>
    private static void Rewrite(Graph graph, Node node, bool perChannel, WeightRange range, Node? quantized)
    {
        var weight = node.Input(1)!.ConstantValue!;
        float[] w = weight.ToFloats();
        bool transposed = node.OpType == "Gemm" && node.GetInt("transB", 0) == 1;
        int k = (int)weight.Dims[transposed ? 1 : 0], n = (int)weight.Dims[transposed ? 0 : 1];
        // The contrib op takes B as [K, N].
        var kn = new float[k * n];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
                kn[r * n + c] = transposed ? w[c * k + r] : w[r * n + c];

        int groups = perChannel ? n : 1;
        var columns = Enumerable.Range(0, n).Select(c => range.Scale(kn, c, k, n)).ToArray();
        var scales = perChannel ? columns : [columns.Max()];
        var q = new sbyte[kn.Length];
        for (int i = 0; i < kn.Length; i++)
            q[i] = WeightRange.Quantize(kn[i], scales[perChannel ? i % n : 0]);

        string name = node.Name;
        long[] scaleDims = perChannel ? [n] : [];
        var qInit = graph.AddInitializer(Tensor.FromArray($"{name}.weight_quantized", DataType.Int8, [k, n], q));
        var scaleInit = graph.AddInitializer(Tensor.FromFloats($"{name}.weight_scale", scaleDims, scales));
        var zeroInit = graph.AddInitializer(Tensor.FromArray($"{name}.weight_zero_point", DataType.Int8, scaleDims, new sbyte[groups]));
        var bias = node.OpType == "Gemm" ? node.Input(2) : null;
        var inputs = quantized is null
            ? new List<Value?> { node.Input(0), qInit, scaleInit, zeroInit }
            : [quantized.Output(0), qInit, quantized.Output(1), scaleInit, quantized.Output(2), zeroInit];
        if (bias is not null) inputs.Add(bias);
        var fused = graph.CreateNode(quantized is null ? "DynamicQuantizeMatMul" : "MatMulIntegerToFloat", inputs, name: $"{name}_dynamic", domain: MicrosoftDomain, before: node);
        var y = node.Output(0);
        fused.Output(0).ElementType = DataType.Float;
        fused.Output(0).Shape = y.Shape;
        graph.ReplaceAllUses(y, fused.Output(0));
        graph.RemoveNode(node, force: true);
    }
}
