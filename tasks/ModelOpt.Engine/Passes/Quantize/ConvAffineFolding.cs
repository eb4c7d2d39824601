using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Folds a constant Mul and/or Add (a scalar or one value per output channel), or an inference
/// BatchNormalization, that alone reads a Conv's or ConvTranspose's output into its weights and
/// bias — exact, since each acts per output channel.
/// PP-LCNetV3 (PP-OCRv4 det) puts such a "learnable affine block" after every conv: left in place,
/// the quantized conv's output goes back to float for two full-tensor ops and is quantized again,
/// which costs time and one more rounding.
/// </summary>
public static class ConvAffineFolding
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var conv in graph.Nodes.Where(n => n.OpType is "Conv" or "ConvTranspose" && n.Domain.Length == 0).ToList())
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
        if (reader.Domain.Length != 0) return false;
        // ConvTranspose weights are [in, out/group, k...]: with one group, output channel c is axis 1.
        bool transposed = conv.OpType == "ConvTranspose";
        if (transposed && conv.GetInt("group", 1) != 1) return false;
        int channels = (int)weight.Dims[transposed ? 1 : 0];
        if (Affine(reader, y, channels, weight.Dims.Length) is not { } affine) return false;
        var (factors, shifts) = affine;

        float[] bias = conv.Input(2)?.ConstantValue?.ToFloats() ?? new float[channels];
        if (factors is not null)
        {
            float[] w = weight.ToFloats();
            long spatial = weight.Dims.Skip(2).Aggregate(1L, (a, d) => a * d), perChannel = w.Length / channels;
            for (long i = 0; i < w.Length; i++) w[i] *= factors[(int)(transposed ? i / spatial % channels : i / perChannel)];
            for (int c = 0; c < channels; c++) bias[c] *= factors[c];
            conv.SetInput(1, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(conv.Input(1)!.Name + "_folded"), weight.Dims, w)));
        }
        if (shifts is not null)
            for (int c = 0; c < channels; c++) bias[c] += shifts[c];
        string biasName = conv.Input(2)?.Name ?? conv.Name + "_bias";
        conv.SetInput(2, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(biasName + "_folded"), [channels], bias)));
        var z = reader.Output(0);
        graph.ReplaceAllUses(z, y);
        graph.RemoveNode(reader);
        return true;
    }

    /// <summary>The reader as y·factor + shift per channel (either part null when absent), or null when it is not such an affine map.</summary>
    private static (float[]? Factors, float[]? Shifts)? Affine(Node reader, Value y, int channels, int rank)
    {
        if (reader.OpType is "Mul" or "Add" && reader.Inputs.Count == 2)
        {
            var other = reader.Input(1 - y.Uses[0].InputIndex);
            if (other?.ConstantValue is not { DataType: DataType.Float } constant || PerChannel(constant, channels, rank) is not { } values) return null;
            return reader.OpType == "Mul" ? (values, null) : (null, values);
        }
        if (reader.OpType == "BatchNormalization" && reader.Outputs.Count(o => o is not null) == 1 && reader.GetInt("training_mode", 0) == 0 && y.Uses[0].InputIndex == 0)
        {
            var parts = Enumerable.Range(1, 4).Select(i => reader.Input(i)?.ConstantValue).ToArray();
            if (parts.Any(p => p is not { DataType: DataType.Float } || p.ElementCount != channels)) return null;
            float[] gamma = parts[0]!.ToFloats(), beta = parts[1]!.ToFloats(), mean = parts[2]!.ToFloats(), variance = parts[3]!.ToFloats();
            float epsilon = reader.GetFloat("epsilon", 1e-5f);
            var factors = new float[channels];
            var shifts = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                factors[c] = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                shifts[c] = beta[c] - mean[c] * factors[c];
            }
            return (factors, shifts);
        }
        return null;
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
