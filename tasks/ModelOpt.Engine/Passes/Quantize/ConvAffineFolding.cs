using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Folds a constant Mul and/or Add that alone reads a Conv's output (a scalar or one value per
/// output channel) into the conv's weights and bias — exact, since both act per output channel.
/// PP-LCNetV3 (PP-OCRv4 det) puts such a "learnable affine block" after every conv: left in place,
/// the quantized conv's output goes back to float for two full-tensor ops and is quantized again,
/// which costs time and one more rounding.
/// </summary>
public static class ConvAffineFolding
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv" && n.Domain.Length == 0).ToList())
        {
            while (TryFoldNext(graph, conv)) folded++;
        }
        return folded;
    }

    private static bool TryFoldNext(Graph graph, Node conv)
    {
        if (conv.Input(1)?.ConstantValue is not { DataType: DataType.Float, Dims.Length: >= 3 } weight) return false;
        if (conv.Input(2) is { } b && b.ConstantValue is not { DataType: DataType.Float }) return false;
        var y = conv.Output(0);
        if (y.IsGraphOutput || y.Uses.Count != 1) return false;
        var reader = y.Uses[0].Node;
        if (reader.Domain.Length != 0 || reader.OpType is not ("Mul" or "Add") || reader.Inputs.Count != 2) return false;
        var other = reader.Input(1 - y.Uses[0].InputIndex);
        int channels = (int)weight.Dims[0];
        if (other?.ConstantValue is not { DataType: DataType.Float } constant || PerChannel(constant, channels, weight.Dims.Length) is not { } factors)
            return false;

        float[] bias = conv.Input(2)?.ConstantValue?.ToFloats() ?? new float[channels];
        if (reader.OpType == "Mul")
        {
            float[] w = weight.ToFloats();
            long inner = w.Length / channels;
            for (long i = 0; i < w.Length; i++) w[i] *= factors[i / inner];
            for (int c = 0; c < channels; c++) bias[c] *= factors[c];
            conv.SetInput(1, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(conv.Input(1)!.Name + "_folded"), weight.Dims, w)));
        }
        else
        {
            for (int c = 0; c < channels; c++) bias[c] += factors[c];
        }
        string biasName = conv.Input(2)?.Name ?? conv.Name + "_bias";
        conv.SetInput(2, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(biasName + "_folded"), [channels], bias)));
        var z = reader.Output(0);
        graph.ReplaceAllUses(z, y);
        graph.RemoveNode(reader);
        return true;
    }

    /// <summary>The constant as one factor per output channel, or null when it broadcasts any other way (or would widen the conv's output).</summary>
    private static float[]? PerChannel(Tensor constant, int channels, int rank)
    {
        long count = constant.ElementCount;
        var dims = constant.Dims;
        if (dims.Length > rank) return null;
        if (count == 1) return Enumerable.Repeat(constant.ToFloats()[0], channels).ToArray();
        // Aligned from the right against [N, C, spatial...]: only the C axis may be larger than 1.
        int channelAxis = dims.Length - (rank - 1);
        if (count != channels || channelAxis < 0 || dims[channelAxis] != channels) return null;
        return constant.ToFloats();
    }
}
