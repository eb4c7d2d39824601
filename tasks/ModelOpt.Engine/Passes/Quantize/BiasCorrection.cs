using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight Equalization
/// and Bias Correction"): rounding a conv's weights to int8 shifts each output channel's expected
/// value by Σ (W_q − W)·E[x]. The rounding errors of a small kernel do not average out (a depthwise
/// 3×3 has 9 of them per channel), so the shift is systematic; subtracting it from the bias before
/// the bias is quantized removes it. E[x] is the per-channel mean over all positions, which ignores
/// zero padding at the border (a k×k conv over an H×W map pads a fraction ≈ (k−1)/H of its taps).
/// </summary>
public static class BiasCorrection
{
    /// <summary>The expected output shift per output channel of quantizing <paramref name="conv"/>'s weights as <see cref="QdqBuilder.QuantizeWeight"/> does; null when shapes do not match.</summary>
    public static double[]? Shift(Node conv, double[] inputMeans, bool perChannel, WeightRange range)
    {
        var values = conv.Input(1)!.ConstantValue!;
        long[] dims = values.Dims;
        int outChannels = (int)dims[0], inPerGroup = (int)dims[1], group = (int)conv.GetInt("group", 1);
        if (group <= 0 || outChannels % group != 0 || inPerGroup * group != inputMeans.Length) return null;
        int taps = (int)dims.Skip(2).Aggregate(1L, (a, d) => a * d);
        float[] w = values.ToFloats();
        int perOutput = inPerGroup * taps;
        float tensorScale = perChannel ? 0 : Enumerable.Range(0, outChannels).Max(o => range.Scale(w, (long)o * perOutput, perOutput, 1));
        var shift = new double[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            var row = w.AsSpan(o * perOutput, perOutput);
            float scale = perChannel ? range.Scale(row, 0, perOutput, 1) : tensorScale;
            int firstInput = o / (outChannels / group) * inPerGroup;
            double sum = 0;
            for (int i = 0; i < perOutput; i++)
            {
                float q = WeightRange.Quantize(row[i], scale) * scale;
                sum += (q - row[i]) * inputMeans[firstInput + i / taps];
            }
            shift[o] = sum;
        }
        return shift;
    }

    /// <summary>Subtracts <paramref name="shift"/> from the conv's bias (adding one when it has none); false when it has a non-constant bias.</summary>
    public static bool Apply(Graph graph, Node conv, double[] shift)
    {
        float[] bias;
        string name;
        if (conv.Inputs.Count > 2 && conv.Input(2) is { } b)
        {
            if (b.ConstantValue is not { Dims.Length: 1 } t || t.Dims[0] != shift.Length) return false;
            bias = t.ToFloats();
            name = $"{b.Name}_corrected";
        }
        else
        {
            bias = new float[shift.Length];
            name = $"{conv.Name}_bias";
        }
        var corrected = bias.Select((v, i) => (float)(v - shift[i])).ToArray();
        conv.SetInput(2, graph.AddInitializer(Tensor.FromFloats(name, [shift.Length], corrected)));
        return true;
    }
}
