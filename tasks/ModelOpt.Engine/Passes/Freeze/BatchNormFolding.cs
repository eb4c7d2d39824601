using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>
/// Folds an inference-mode BatchNormalization into the Conv, ConvTranspose or Gemm that feeds it:
/// y = s·(x − mean) + beta with s = gamma/√(var + ε) is a per-channel affine map, so it can be
/// applied to the layer's weights and bias instead of at run time.
/// </summary>
internal static class BatchNormFolding
{
    public static int Run(Graph graph, List<string> notes)
    {
        int folded = 0;
        foreach (var bn in graph.Nodes)
        {
            if (bn.Domain.Length != 0 || bn.OpType != "BatchNormalization") continue;
            string? why = TryFold(graph, bn);
            if (why is null) folded++;
            else notes.Add($"kept {bn}: {why}");
        }
        return folded;
    }

    private static string? TryFold(Graph graph, Node bn)
    {
        if (bn.GetInt("training_mode", 0) != 0) return "it is in training mode";
        if (bn.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput))) return "its running statistics outputs are used";
        if (bn.Input(0)?.Producer is not { } layer || layer.Domain.Length != 0) return "it does not follow a Conv, ConvTranspose or Gemm";
        if (layer.OpType is not ("Conv" or "ConvTranspose" or "Gemm")) return $"it follows {layer.OpType}, which cannot absorb it";
        var x = bn.Input(0)!;
        if (x.Uses.Count != 1 || x.IsGraphOutput) return $"the output of {layer} has other readers";

        var parameters = new Tensor?[4];
        for (int i = 0; i < 4; i++) parameters[i] = bn.Input(i + 1)?.ConstantValue;
        if (parameters.Any(p => p is null)) return "its scale, bias, mean or variance is not constant";
        var gamma = parameters[0]!.ToFloats();
        var beta = parameters[1]!.ToFloats();
        var mean = parameters[2]!.ToFloats();
        var variance = parameters[3]!.ToFloats();
        int channels = gamma.Length;
        if (beta.Length != channels || mean.Length != channels || variance.Length != channels) return "its parameters have different lengths";
        float epsilon = bn.GetFloat("epsilon", 1e-5f);

        var weightValue = layer.Input(1);
        if (weightValue?.ConstantValue is not { } weightTensor) return $"the weights of {layer} are not constant";
        if (weightTensor.DataType != Onnx.TensorProto.Types.DataType.Float) return $"the weights of {layer} are not float32";
        var biasValue = layer.Input(2);
        float[]? bias = null;
        if (biasValue is not null)
        {
            if (biasValue.ConstantValue is not { } biasTensor) return $"the bias of {layer} is not constant";
            bias = biasTensor.ToFloats();
        }

        var scale = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            scale[c] = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
            shift[c] = beta[c] - mean[c] * scale[c];
        }

        var weights = weightTensor.ToFloats();
        var dims = weightTensor.Dims;
        float[] newBias;
        switch (layer.OpType)
        {
            case "Conv":
            {
                if (dims.Length < 2 || dims[0] != channels) return $"{layer} has {(dims.Length > 0 ? dims[0] : 0)} output channels, BatchNormalization {channels}";
                long perChannel = weights.Length / channels;
                for (int o = 0; o < channels; o++)
                    for (long k = 0; k < perChannel; k++) weights[o * perChannel + k] *= scale[o];
                newBias = FoldBias(bias, scale, shift, channels);
                if (newBias.Length != channels) return $"the bias of {layer} does not have one entry per channel";
                break;
            }
            case "ConvTranspose":
            {
                long group = layer.GetInt("group", 1);
                if (dims.Length < 2 || dims[1] * group != channels) return $"{layer} has {(dims.Length > 1 ? dims[1] * group : 0)} output channels, BatchNormalization {channels}";
                long cin = dims[0], perGroupOut = dims[1], spatial = weights.Length / (cin * perGroupOut), cinPerGroup = cin / group;
                for (long ci = 0; ci < cin; ci++)
                    for (long j = 0; j < perGroupOut; j++)
                    {
                        float s = scale[(ci / cinPerGroup) * perGroupOut + j];
                        long start = (ci * perGroupOut + j) * spatial;
                        for (long k = 0; k < spatial; k++) weights[start + k] *= s;
                    }
                newBias = FoldBias(bias, scale, shift, channels);
                if (newBias.Length != channels) return $"the bias of {layer} does not have one entry per channel";
                break;
            }
            default: // Gemm
            {
                bool transB = layer.GetInt("transB", 0) != 0;
                if (dims.Length != 2 || (transB ? dims[0] : dims[1]) != channels) return $"{layer} does not have {channels} outputs";
                float alpha = layer.GetFloat("alpha", 1f), betaC = layer.GetFloat("beta", 1f);
                for (long r = 0; r < dims[0]; r++)
                    for (long c = 0; c < dims[1]; c++)
                        weights[r * dims[1] + c] *= alpha * scale[transB ? r : c];
                if (bias is not null && bias.Length != channels && bias.Length != 1) return $"the C input of {layer} is not a vector of {channels}";
                var scaledC = bias is null ? null : Enumerable.Range(0, channels).Select(c => betaC * bias[bias.Length == 1 ? 0 : c]).ToArray();
                newBias = FoldBias(scaledC, scale, shift, channels);
                layer.SetFloat("alpha", 1f);
                layer.SetFloat("beta", 1f);
                break;
            }
        }

        string baseName = layer.Name.Length > 0 ? layer.Name : layer.OpType;
        var newWeight = graph.AddInitializer(Tensor.FromFloats($"{baseName}.weight_folded", dims, weights));
        var newBiasValue = graph.AddInitializer(Tensor.FromFloats($"{baseName}.bias_folded", [channels], newBias));
        layer.SetInput(1, newWeight);
        layer.SetInput(2, newBiasValue);

        var y = bn.Output(0);
        var layerOut = layer.Output(0);
        layerOut.Shape ??= y.Shape;
        graph.ReplaceAllUses(y, layerOut);
        graph.RemoveNode(bn, force: true);
        return null;
    }

    // b' = s·(b − mean) + beta = s·b + shift
    private static float[] FoldBias(float[]? bias, float[] scale, float[] shift, int channels)
    {
        if (bias is not null && bias.Length != channels) return bias;
        var result = new float[channels];
        for (int c = 0; c < channels; c++) result[c] = (bias?[c] ?? 0f) * scale[c] + shift[c];
        return result;
    }
}
