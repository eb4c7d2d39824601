namespace ModelOpt.Engine.Cost;

/// <summary>
/// The cost model's table: one formula per op type of the default ONNX domain, and the com.microsoft
/// int8 ops (<see cref="MicrosoftQuantizedCosts"/>). An op not in it is unknown to the cost model and
/// reported so, never counted as 0.
/// </summary>
internal static class CostTable
{
    /// <summary>Ops that only move, reshape or describe data: known to cost no arithmetic.</summary>
    public static readonly IReadOnlySet<string> DataMovement = new HashSet<string>
    {
        "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "Shape", "Size",
        "Squeeze", "Unsqueeze", "Flatten", "Expand", "Tile", "Pad", "Identity", "Dropout", "Cast", "CastLike",
        "Constant", "ConstantOfShape", "Range", "DepthToSpace", "SpaceToDepth", "NonZero", "ScatterND",
        "ScatterElements", "Scatter", "Trilu", "ReverseSequence", "OneHot", "EyeLike", "Compress",
        // control flow: the nodes of their bodies are counted themselves
        "If", "Loop", "Scan",
    };

    private static readonly Dictionary<string, Func<CostContext, OpCost>> Formulas = Build();

    public static bool IsKnown(string domain, string opType) => domain.Length == 0 ? Formulas.ContainsKey(opType)
        : domain == MicrosoftQuantizedCosts.Domain && MicrosoftQuantizedCosts.Formulas.ContainsKey(opType);

    public static OpCost Compute(CostContext context) => context.Node.Domain.Length == 0
        ? Formulas[context.Node.OpType](context) : MicrosoftQuantizedCosts.Formulas[context.Node.OpType](context);

    private static Dictionary<string, Func<CostContext, OpCost>> Build()
    {
        var table = new Dictionary<string, Func<CostContext, OpCost>>(StringComparer.Ordinal)
        {
            ["Conv"] = c => LinearOpCosts.Conv(c, 1),
            ["ConvInteger"] = c => LinearOpCosts.Conv(c, 1),
            ["QLinearConv"] = c => LinearOpCosts.Conv(c, 3),
            ["ConvTranspose"] = LinearOpCosts.ConvTranspose,
            ["Gemm"] = LinearOpCosts.Gemm,
            ["MatMul"] = c => LinearOpCosts.MatMul(c, 0),
            ["MatMulInteger"] = c => LinearOpCosts.MatMul(c, 0),
            ["QLinearMatMul"] = c => LinearOpCosts.MatMul(c, 0),
            ["Einsum"] = LinearOpCosts.Einsum,
            ["LSTM"] = RecurrentCosts.Compute,
            ["GRU"] = RecurrentCosts.Compute,
            ["RNN"] = RecurrentCosts.Compute,
            ["MaxPool"] = ReductionCosts.Pool,
            ["AveragePool"] = ReductionCosts.Pool,
            ["LpPool"] = ReductionCosts.Pool,
            ["GlobalAveragePool"] = ReductionCosts.GlobalPool,
            ["GlobalMaxPool"] = ReductionCosts.GlobalPool,
            ["GlobalLpPool"] = ReductionCosts.GlobalPool,
            ["ArgMax"] = ReductionCosts.Compare,
            ["ArgMin"] = ReductionCosts.Compare,
            ["TopK"] = ReductionCosts.Compare,
            ["Sum"] = PerElementCosts.Variadic,
            ["Mean"] = PerElementCosts.Variadic,
            ["Max"] = PerElementCosts.Variadic,
            ["Min"] = PerElementCosts.Variadic,
            ["LRN"] = PerElementCosts.Lrn,
            ["Resize"] = PerElementCosts.Resize,
            ["Upsample"] = PerElementCosts.Resize,
            // Dequantizing a constant (a quantized weight) happens once, when ONNX Runtime loads the
            // model (it folds it into QLinearConv/MatMulNBits or a constant), not on every run.
            ["DequantizeLinear"] = c => c.Node.Input(0)?.ConstantValue is not null ? OpCost.Zero
                : OpCost.FromFlops(c.OutElements() * PerElementCosts.FlopsPerElement["DequantizeLinear"]),
        };
        foreach (string op in new[] { "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare" })
            table[op] = ReductionCosts.Reduce;
        foreach (var (op, perElement) in PerElementCosts.FlopsPerElement)
            table.TryAdd(op, c => OpCost.FromFlops(c.OutElements() * perElement));
        foreach (string op in DataMovement)
            table[op] = _ => OpCost.Zero;
        return table;
    }
}
