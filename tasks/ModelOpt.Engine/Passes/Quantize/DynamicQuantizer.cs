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
/// kernel without relying on the fusion.
/// </summary>
public static class DynamicQuantizer
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <param name="only">Static mode: the layers chosen dynamic (<see cref="QuantizeSettings.DynamicMatMul"/>); null: every target.</param>
    public static int Run(Model model, PassContext context, QuantizeSettings settings, List<string> notes, Func<Node, bool>? only = null)
    {
        var graph = model.Graph;
        int rewritten = 0;
        var range = WeightRange.For(settings.ReduceRange, context.DeployCpu);
        foreach (var node in Targets(model, context, settings, only is null ? notes : null).Where(n => only?.Invoke(n) ?? true).ToList())
        {
            Rewrite(graph, node, settings.PerChannel, range);
            rewritten++;
        }
        if (rewritten > 0)
        {
            model.SetOpsetVersion(MicrosoftDomain, 1);
            notes.Add($"{rewritten} MatMul/Gemm layers rewritten as DynamicQuantizeMatMul (int8 weights {(settings.PerChannel ? "per column" : "per tensor")}{range.Note}, uint8 activations quantized at run time)");
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

    private static void Rewrite(Graph graph, Node node, bool perChannel, WeightRange range)
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
        var inputs = new List<Value?> { node.Input(0), qInit, scaleInit, zeroInit };
        if (node.OpType == "Gemm" && node.Input(2) is { } bias) inputs.Add(bias);
        var fused = graph.CreateNode("DynamicQuantizeMatMul", inputs, name: $"{name}_dynamic", domain: MicrosoftDomain, before: node);
        var y = node.Output(0);
        fused.Output(0).ElementType = DataType.Float;
        fused.Output(0).Shape = y.Shape;
        graph.ReplaceAllUses(y, fused.Output(0));
        graph.RemoveNode(node, force: true);
    }
}
