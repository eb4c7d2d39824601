using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>Writes QuantizeLinear/DequantizeLinear pairs and quantized constants into a graph.</summary>
public sealed class QdqBuilder(Graph graph, bool signedActivations, WeightRange weightRange)
{
    public DataType ActivationType => signedActivations ? DataType.Int8 : DataType.Uint8;

    /// <summary>
    /// Puts Q→DQ on <paramref name="tensor"/>: every reader then sees the dequantized value, which is
    /// the pattern ORT's QDQ fusion turns into integer kernels. <paramref name="source"/> is what Q
    /// reads (the tensor itself, or the input of a ReLU the quantization makes redundant).
    /// </summary>
    public void QuantizeActivation(Value tensor, Value source, QuantParams p, QuantParams? quantizeParams = null)
    {
        string name = tensor.Name;
        var scale = graph.AddInitializer(Tensor.FromFloats($"{name}_scale", [], [p.Scale]));
        var zero = graph.AddInitializer(ZeroPoint($"{name}_zero_point", p.ZeroPoint));
        // Q may use other parameters than DQ when it reads a tensor that y is an affine function of (AffineAbsorption).
        var (qScale, qZero) = quantizeParams is { } qp
            ? (graph.AddInitializer(Tensor.FromFloats($"{name}_quantize_scale", [], [qp.Scale])), graph.AddInitializer(ZeroPoint($"{name}_quantize_zero_point", qp.ZeroPoint)))
            : (scale, zero);
        var q = graph.CreateNode("QuantizeLinear", [source, qScale, qZero], name: $"{name}_QuantizeLinear");
        q.Output(0).ElementType = ActivationType;
        var dq = graph.CreateNode("DequantizeLinear", [q.Output(0), scale, zero], name: $"{name}_DequantizeLinear");
        dq.Output(0).ElementType = DataType.Float;
        dq.Output(0).Shape = tensor.Shape;
        graph.ReplaceAllUses(tensor, dq.Output(0));
        q.SetInput(0, source);   // ReplaceAllUses rewired Q's own input when source is the tensor
    }

    /// <summary>
    /// Int8 weights (symmetric over the builder's <see cref="WeightRange"/>, per channel along
    /// <paramref name="axis"/> or per tensor) behind a DequantizeLinear; returns the DQ output and the
    /// scales. <paramref name="kAlongRows"/>: the weight is a [K, N] matrix read down its rows (MatMul,
    /// Gemm without transB); otherwise each output channel's K values are one contiguous block.
    /// </summary>
    public (Value Output, float[] Scales) QuantizeWeight(Value weight, Tensor values, int? axis, bool kAlongRows)
    {
        float[] w = values.ToFloats();
        long[] dims = values.Dims;
        // Scale requirements per output channel, from the K-neighbour pairs the int8 kernel adds.
        bool rows = kAlongRows && dims.Length == 2;
        long channels = rows ? dims[1] : kAlongRows ? 1 : dims.Length > 0 ? dims[0] : 1;
        long k = w.Length / Math.Max(channels, 1);
        var perChannel = new float[channels];
        for (long c = 0; c < channels; c++)
            perChannel[c] = kAlongRows && !rows
                ? weightRange.Scale(w, 0, w.Length, 1) * (weightRange.PairSafe ? 2f : 1f)   // a batched MatMul: no layout assumed, halve the range
                : weightRange.Scale(w, rows ? c : c * k, k, rows ? channels : 1);
        bool perTensor = axis is null || perChannel.Length != dims[axis.Value];
        var scales = perTensor ? [perChannel.Max()] : perChannel;
        var q = new sbyte[w.Length];
        for (long i = 0; i < w.Length; i++)
            q[i] = WeightRange.Quantize(w[i], scales[perTensor ? 0 : rows ? (int)(i % channels) : (int)(i / k)]);

        string name = weight.Name;
        var qInit = graph.AddInitializer(Tensor.FromArray($"{name}_quantized", DataType.Int8, dims, q));
        var dq = Dequantize(name, qInit, scales, perTensor ? null : axis);
        return (dq, scales);
    }

    /// <summary>A bias as int32 with scale input_scale·weight_scale (per output channel), which QLinearConv/QGemm take directly.</summary>
    public Value QuantizeBias(Value bias, Tensor values, float inputScale, float[] weightScales)
    {
        float[] b = values.ToFloats();
        bool perChannel = weightScales.Length > 1;
        var scales = b.Select((_, i) => inputScale * weightScales[perChannel ? i : 0]).ToArray();
        var q = b.Select((v, i) => (int)Math.Clamp(Math.Round((double)v / scales[i], MidpointRounding.ToEven), int.MinValue, int.MaxValue)).ToArray();
        string name = bias.Name;
        var qInit = graph.AddInitializer(Tensor.FromArray($"{name}_quantized", DataType.Int32, values.Dims, q));
        return Dequantize(name, qInit, scales, 0);
    }

    private Value Dequantize(string name, Value quantized, float[] scales, int? axis)
    {
        long[] dims = axis is null ? [] : [scales.Length];
        var scale = graph.AddInitializer(Tensor.FromFloats($"{name}_scale", dims, axis is null ? [scales[0]] : scales));
        // Symmetric weights and biases: an absent zero point is 0, and a per-channel int32 one would
        // cost as much as a float bias again (on depthwise convs, a visible share of the file).
        var dq = graph.CreateNode("DequantizeLinear", [quantized, scale], name: $"{name}_DequantizeLinear");
        if (axis is int a) dq.SetInt("axis", a);
        dq.Output(0).ElementType = DataType.Float;
        dq.Output(0).Shape = quantized.Shape;
        return dq.Output(0);
    }

    private Tensor ZeroPoint(string name, int value) => signedActivations
        ? Tensor.FromArray(name, DataType.Int8, [], new[] { (sbyte)value })
        : Tensor.FromArray(name, DataType.Uint8, [], new[] { (byte)value });
}
