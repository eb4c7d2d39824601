using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Weight-only int4: MatMuls with a constant [K, N] float weight of at least
/// <see cref="MinimumWeights"/> elements become com.microsoft <c>MatMulNBits</c> (bits 4, blockwise
/// along K), by round-to-nearest or GPTQ. Small layers stay float: the packed kernel only pays on
/// large weights (the reference quantizer measured 0.96× at hidden size 256).
/// </summary>
public static class Int4Quantizer
{
    public const long MinimumWeights = 128 * 128;

    /// <summary>The MatMuls <see cref="Run"/> rewrites (it moves Constant nodes into initializers in <paramref name="model"/> first).</summary>
    public static List<Node> Targets(Model model, PassContext context, QuantizeSettings settings, List<string>? notes = null)
    {
        var graph = model.Graph;
        int moved = ConstantsToInitializers.Run(graph);
        if (moved > 0) notes?.Add($"{moved} Constant nodes turned into initializers");
        var layers = new List<Node>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType != "MatMul") continue;
            if (node.Input(1)?.ConstantValue is not { DataType: DataType.Float, Dims.Length: 2 } w) continue;
            if (w.ElementCount < MinimumWeights) notes?.Add($"{node.Name}: kept float (weight {w.Dims[0]}×{w.Dims[1]} is below {MinimumWeights} elements)");
            else if (context.SettingsFor(QuantizePass.PassName, node) is null || settings.Excludes(node)) notes?.Add($"{node.Name}: kept float by the configuration");
            else layers.Add(node);
        }
        return layers;
    }

    public static int Run(Model model, PassContext context, QuantizeSettings settings, List<string> notes)
    {
        var graph = model.Graph;
        var layers = Targets(model, context, settings, notes);
        if (layers.Count == 0) return 0;

        Dictionary<Node, Matrix<double>>? hessians = null;
        if (settings.Algorithm == Int4Algorithm.Gptq)
        {
            var source = context.Calibration ?? throw new ModelOptException(ErrorCode.InvalidConfig, context.Config.SourcePath ?? context.ModelDisplayName,
                "'quantize.algorithm' 'gptq' needs calibration samples ('calibration' in the config); use 'rtn' without them.");
            if (source.IsSynthetic) notes.Add($"warning: GPTQ calibrated on {source.Description}; real samples fit the error compensation to real inputs.");
            hessians = Hessians(model, layers, source);
        }
        foreach (var node in layers)
        {
            var weight = node.Input(1)!.ConstantValue!;
            int k = (int)weight.Dims[0], n = (int)weight.Dims[1];
            var values = weight.ToFloats();
            var blocks = hessians is null
                ? RoundToNearest.Quantize(values, k, n, settings.BlockSize, settings.Symmetric)
                : Gptq.Quantize(values, k, n, hessians[node], settings.BlockSize, settings.Symmetric);
            MatMulNBitsWriter.Replace(graph, node, blocks, settings.Symmetric);
        }
        model.SetOpsetVersion(DynamicQuantizer.MicrosoftDomain, 1);
        notes.Add($"{layers.Count} MatMuls as 4-bit MatMulNBits (block {settings.BlockSize}, {(settings.Symmetric ? "symmetric" : "asymmetric")}, {settings.Algorithm.ToString().ToUpperInvariant()})");
        return layers.Count;
    }

    /// <summary>XᵀX of each layer's input rows, accumulated batch by batch.</summary>
    private static Dictionary<Node, Matrix<double>> Hessians(Model model, List<Node> layers, Calibration.IActivationSource source)
    {
        var byInput = layers.GroupBy(l => l.Input(0)!.Name).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var sums = byInput.ToDictionary(kv => kv.Key, kv => Matrix<double>.Build.Dense((int)kv.Value[0].Input(1)!.ConstantValue!.Dims[0], (int)kv.Value[0].Input(1)!.ConstantValue!.Dims[0]), StringComparer.Ordinal);
        foreach (var batch in source.Stream(model, byInput.Keys.ToArray()))
        {
            foreach (var (name, tensor) in batch)
            {
                if (!sums.TryGetValue(name, out var h)) continue;
                var x = tensor.ToFloats();
                int k = h.RowCount, rows = x.Length / k;
                var m = Matrix<double>.Build.Dense(rows, k, (r, c) => x[r * k + c]);
                h.Add(m.TransposeThisAndMultiply(m), h);
            }
        }
        return layers.ToDictionary(l => l, l => sums[l.Input(0)!.Name]);
    }
}
