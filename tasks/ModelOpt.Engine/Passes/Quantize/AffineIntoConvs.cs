using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Folds y = c·h + b (a Mul and/or Add by scalar constants) into the unpadded Convs that alone read y:
/// W·(c·h + b) + bias = (c·W)·h + (bias + b·ΣW), exact because no padded zero of y is ever read.
/// PP-LCNetV3 puts such a pair after every hard-swish; when the pair cannot be absorbed into a
/// QuantizeLinear exactly (b below one step) it stays a float island between quantized ops, and it
/// also keeps the hard-swish itself from being done in integer ops.
/// </summary>
public static class AffineIntoConvs
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Outputs.Count != 1 || node.Output(0) is not { } y) continue;
            if (ScalarAffineChain.Match(y) is not { } chain || !ReadOnlyByUnpaddedConvs(y)) continue;
            foreach (var (conv, _) in y.Uses.ToList()) Fold(graph, conv, chain.Factor, chain.Shift, chain.Source);
            foreach (var dead in chain.Nodes) graph.RemoveNode(dead);
            folded++;
        }
        return folded;
    }

    private static bool ReadOnlyByUnpaddedConvs(Value y) =>
        y.Uses.Count > 0 && y.Uses.All(u => u.InputIndex == 0 && u.Node is { OpType: "Conv", Domain.Length: 0 } conv
            && conv.Input(1)?.ConstantValue is { DataType: DataType.Float, Dims.Length: >= 3 }
            && (conv.Input(2) is null || conv.Input(2)!.ConstantValue is { DataType: DataType.Float })
            && conv.GetString("auto_pad", "NOTSET") is "NOTSET" or "VALID"
            && (conv.GetInts("pads") is not { } pads || pads.All(p => p == 0)));

    private static void Fold(Graph graph, Node conv, float factor, float shift, Value source)
    {
        var weight = conv.Input(1)!.ConstantValue!;
        float[] w = weight.ToFloats();
        int channels = (int)weight.Dims[0];
        int perChannel = w.Length / channels;
        float[] bias = conv.Input(2)?.ConstantValue?.ToFloats() ?? new float[channels];
        for (int o = 0; o < channels; o++)
        {
            // Summed in double: the shift's share of the bias should not pick up float cancellation error.
            double sum = 0;
            for (int i = o * perChannel; i < (o + 1) * perChannel; i++)
            {
                sum += w[i];
                w[i] *= factor;
            }
            bias[o] = (float)(bias[o] + shift * sum);
        }
        conv.SetInput(1, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(conv.Input(1)!.Name + "_scaled"), weight.Dims, w)));
        string biasName = conv.Input(2)?.Name ?? conv.Name + "_bias";
        conv.SetInput(2, graph.AddInitializer(Tensor.FromFloats(graph.Model.ValueNames.Unique(biasName + "_shifted"), [channels], bias)));
        conv.SetInput(0, source);
    }
}
