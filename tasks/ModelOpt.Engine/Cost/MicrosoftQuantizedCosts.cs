namespace ModelOpt.Engine.Cost;

/// <summary>
/// The com.microsoft int8 ops ONNX Runtime runs and the quantize pass writes (docs/flops.md,
/// "Quantized ops"). Each is counted as the portable ops it fuses: integer MACs count as MACs
/// (FLOPs 2·MACs), and the quantization steps it does at run time as the per-element ops they stand
/// for — DynamicQuantizeLinear (4 per element quantized) and the int32 result scaled back to float
/// (1 per output element, as the Mul after MatMulInteger). Biases are not counted, as everywhere.
/// </summary>
internal static class MicrosoftQuantizedCosts
{
    public const string Domain = "com.microsoft";

    public static readonly IReadOnlyDictionary<string, Func<CostContext, OpCost>> Formulas = new Dictionary<string, Func<CostContext, OpCost>>(StringComparer.Ordinal)
    {
        // DynamicQuantizeLinear(A) + MatMulInteger + Mul(scale).
        ["DynamicQuantizeMatMul"] = c => Scaled(LinearOpCosts.MatMul(c, 0), c, quantizedInput: c.InElements(0)),
        // MatMulInteger + Mul(scale): A arrives quantized.
        ["MatMulIntegerToFloat"] = c => Scaled(LinearOpCosts.MatMul(c, 0), c, quantizedInput: 0),
        ["DynamicQuantizeLSTM"] = QuantizedLstm,
    };

    private static OpCost Scaled(OpCost products, CostContext c, long quantizedInput) =>
        new(products.Macs, products.Flops + PerElementCosts.FlopsPerElement["DynamicQuantizeLinear"] * quantizedInput + c.OutElements());

    /// <summary>
    /// The LSTM's count (<see cref="RecurrentCosts"/>), its W read as [directions, input, 4·hidden],
    /// plus X and the hidden state quantized at every step and direction (4 per element each).
    /// </summary>
    private static OpCost QuantizedLstm(CostContext c)
    {
        long[] x = c.In(0);
        long hidden = c.Node.GetInt("hidden_size", 0);
        if (hidden <= 0) hidden = c.In(2)[1];
        long dirs = c.Node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        long seq = x[0], batch = x[1], input = x[2];
        long units = seq * batch * dirs * hidden;
        long macs = units * RecurrentCosts.Gates("LSTM") * (input + hidden);
        long elementwise = units * RecurrentCosts.ElementwisePerUnit("LSTM", c.Node.Input(3) is not null, c.Node.Input(7) is not null);
        long quantized = PerElementCosts.FlopsPerElement["DynamicQuantizeLinear"] * (seq * batch * dirs * input + units);
        return new OpCost(macs, 2 * macs + elementwise + quantized);
    }
}
