namespace ModelOpt.Engine.Cost;

/// <summary>
/// FLOPs per output element of element-wise, activation and normalisation ops (docs/flops.md
/// explains each count). A transcendental (exp, log, erf, sqrt) counts as one FLOP.
/// </summary>
internal static class PerElementCosts
{
    public static readonly IReadOnlyDictionary<string, int> FlopsPerElement = new Dictionary<string, int>
    {
        // activations
        ["Relu"] = 1, ["LeakyRelu"] = 2, ["PRelu"] = 2, ["ThresholdedRelu"] = 1, ["Clip"] = 2, ["Shrink"] = 2,
        ["Sigmoid"] = 4, ["HardSigmoid"] = 4, ["HardSwish"] = 5, ["Tanh"] = 5, ["Elu"] = 3, ["Selu"] = 4, ["Celu"] = 4,
        ["Softplus"] = 3, ["Softsign"] = 3, ["Mish"] = 9, ["Gelu"] = 5,
        // unary math
        ["Exp"] = 1, ["Log"] = 1, ["Sqrt"] = 1, ["Erf"] = 1, ["Reciprocal"] = 1, ["Neg"] = 1, ["Abs"] = 1, ["Floor"] = 1,
        ["Ceil"] = 1, ["Round"] = 1, ["Sign"] = 1, ["Sin"] = 1, ["Cos"] = 1, ["Tan"] = 1, ["Asin"] = 1, ["Acos"] = 1,
        ["Atan"] = 1, ["Sinh"] = 1, ["Cosh"] = 1, ["Asinh"] = 1, ["Acosh"] = 1, ["Atanh"] = 1, ["Not"] = 1, ["IsNaN"] = 1,
        ["IsInf"] = 1, ["BitwiseNot"] = 1,
        // binary (broadcast) ops: one per output element
        ["Add"] = 1, ["Sub"] = 1, ["Mul"] = 1, ["Div"] = 1, ["Pow"] = 1, ["Mod"] = 1, ["Equal"] = 1, ["Less"] = 1,
        ["Greater"] = 1, ["LessOrEqual"] = 1, ["GreaterOrEqual"] = 1, ["And"] = 1, ["Or"] = 1, ["Xor"] = 1, ["Where"] = 1,
        ["BitShift"] = 1, ["BitwiseAnd"] = 1, ["BitwiseOr"] = 1, ["BitwiseXor"] = 1, ["CumSum"] = 1,
        // along an axis: max, subtract, exp, sum, divide
        ["Softmax"] = 5, ["LogSoftmax"] = 5, ["Hardmax"] = 1,
        // normalisation: BN is a per-channel scale and shift at inference; the others compute
        // mean and variance (≈4), normalise (≈2) and apply scale and bias (2)
        ["BatchNormalization"] = 2, ["InstanceNormalization"] = 8, ["LayerNormalization"] = 8, ["GroupNormalization"] = 8,
        ["MeanVarianceNormalization"] = 8, ["LpNormalization"] = 3,
        // quantization: scale, round, saturate (and shift by the zero point)
        ["QuantizeLinear"] = 3, ["DequantizeLinear"] = 2, ["DynamicQuantizeLinear"] = 4,
    };

    /// <summary>Variadic ops combine n inputs with n − 1 operations per element (Mean divides once more).</summary>
    public static OpCost Variadic(CostContext c) =>
        OpCost.FromFlops(c.OutElements() * Math.Max(1, c.InputCount - (c.Node.OpType == "Mean" ? 0 : 1)));

    /// <summary>LRN sums squares over <c>size</c> channels (2·size), then scales and raises to a power (4).</summary>
    public static OpCost Lrn(CostContext c) => OpCost.FromFlops(c.OutElements() * (2 * c.Node.GetInt("size", 1) + 4));

    /// <summary>
    /// Resize: nearest copies (0); linear blends 2 samples per resized axis (mul + add each, so
    /// 2·2^k per output element); cubic blends 4 per axis (2·4^k).
    /// </summary>
    public static OpCost Resize(CostContext c)
    {
        long[] input = c.In(0), output = c.Out();
        int resized = input.Where((d, i) => d != output[i]).Count();
        string mode = c.Node.GetString("mode", "nearest");
        long perElement = mode switch
        {
            "linear" or "bilinear" or "trilinear" => 2L << resized,
            "cubic" => 2L * (1L << (2 * resized)),
            _ => 0,
        };
        return OpCost.FromFlops(resized == 0 ? 0 : c.OutElements() * perElement);
    }
}
