namespace ModelOpt.Engine.Opsets;

/// <summary>
/// Default-domain ops that mean the same from the given opset up to <see cref="OpsetConverter.HighestTarget"/>:
/// later versions only added types, negative axes, or optional inputs and attributes whose
/// defaults keep the old behaviour (ONNX's version converter calls these compatible). An op
/// absent from this table and from the changes is not known to survive an upgrade and is refused.
/// </summary>
internal static class UnchangedOps
{
    private static readonly Dictionary<string, long> Since = Build();

    /// <summary>The first opset from which <paramref name="op"/> means what it means at the target; null when not known.</summary>
    public static long? StableSince(string op) => Since.TryGetValue(op, out long since) ? since : null;

    private static Dictionary<string, long> Build()
    {
        var table = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(long since, params string[] ops)
        {
            foreach (string op in ops) table[op] = since;
        }
        // Element-wise and activations: numpy broadcasting since 7; only types were added later.
        Add(7, "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "And", "Or", "Xor", "Equal", "Greater", "Less", "Gemm",
            "Acos", "Asin", "Atan", "Cos", "Sin", "Tan", "Dropout", "BatchNormalization", "AveragePool", "LSTM", "GRU", "RNN", "Multinomial");
        Add(6, "Abs", "Neg", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Tanh", "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid",
            "Elu", "Selu", "Cast", "Clip", "InstanceNormalization", "Tile", "Sum", "Max", "Min", "Mean");
        Add(5, "Reshape");
        Add(4, "Concat");
        Add(2, "LpPool", "GlobalLpPool", "Pad", "Split");
        Add(1, "Identity", "Not", "Softplus", "Softsign", "Conv", "ConvTranspose", "MatMul", "MaxPool", "GlobalAveragePool", "GlobalMaxPool",
            "Flatten", "Transpose", "Gather", "Shape", "Size", "Constant", "LRN", "ArgMax", "ArgMin", "DepthToSpace", "SpaceToDepth",
            "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
            "ReduceSum", "Squeeze", "Unsqueeze", "Slice", "TopK", "Softmax", "LogSoftmax", "Hardmax", "LpNormalization", "MaxRoiPool",
            "If", "Loop", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "ImageScaler");
        Add(7, "Upsample");
        Add(9, "Scatter");
        Add(8, "Expand");
        Add(9, "Where", "Erf", "Sign", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "ConstantOfShape", "NonZero", "OneHot", "Compress",
            "EyeLike", "IsNaN", "Shrink", "MaxUnpool", "MeanVarianceNormalization", "Scan");
        Add(10, "Mod", "ThresholdedRelu", "QuantizeLinear", "DequantizeLinear", "ConvInteger", "MatMulInteger", "QLinearConv", "QLinearMatMul",
            "NonMaxSuppression", "ReverseSequence", "RoiAlign", "IsInf", "StringNormalizer", "Resize");
        Add(11, "Range", "Round", "CumSum", "GatherElements", "GatherND", "ScatterElements", "ScatterND", "Unique", "BitShift", "Det",
            "DynamicQuantizeLinear", "SequenceConstruct", "SequenceAt", "SequenceEmpty", "SequenceInsert", "SequenceErase", "SequenceLength",
            "SplitToSequence", "ConcatFromSequence");
        Add(12, "Einsum", "Celu", "GreaterOrEqual", "LessOrEqual");
        Add(14, "HardSwish", "Trilu");
        return table;
    }
}
