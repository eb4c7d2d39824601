using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// Which constant inputs of a node are parameters (learned weights) rather than configuration
/// (a Reshape target, Clip bounds, Resize scales). Initializers and Constant-node outputs count
/// alike: PaddlePaddle exports keep every weight in Constant nodes.
/// </summary>
internal static class WeightSlots
{
    private static readonly Dictionary<string, int[]> Known = new(StringComparer.Ordinal)
    {
        ["Conv"] = [1, 2],
        ["ConvTranspose"] = [1, 2],
        ["ConvInteger"] = [1],
        ["QLinearConv"] = [3, 8],
        ["Gemm"] = [0, 1, 2],
        ["MatMul"] = [0, 1],
        ["MatMulInteger"] = [0, 1],
        ["QLinearMatMul"] = [0, 3],
        ["BatchNormalization"] = [1, 2, 3, 4],
        ["InstanceNormalization"] = [1, 2],
        ["LayerNormalization"] = [1, 2],
        ["GroupNormalization"] = [1, 2],
        ["PRelu"] = [1],
        ["DequantizeLinear"] = [0],
        ["LSTM"] = [1, 2, 3],
        ["GRU"] = [1, 2, 3],
        ["RNN"] = [1, 2, 3],
    };

    // The com.microsoft int8 ops: their int8 weights and float biases; scales and zero points configure them.
    private static readonly Dictionary<string, int[]> MicrosoftKnown = new(StringComparer.Ordinal)
    {
        ["DynamicQuantizeMatMul"] = [1, 4],
        ["MatMulIntegerToFloat"] = [0, 1, 6],
        ["DynamicQuantizeLSTM"] = [1, 2, 3, 7],
    };

    // Quantized weights are integers; everywhere else a weight is floating point.
    private static readonly HashSet<string> IntegerWeights = ["ConvInteger", "QLinearConv", "MatMulInteger", "QLinearMatMul", "DequantizeLinear"];

    // Ops whose constant inputs configure them: never weights.
    private static readonly HashSet<string> Configuration =
    [
        "Reshape", "Resize", "Upsample", "Clip", "Pad", "Slice", "Expand", "Tile", "Range", "ConstantOfShape", "Squeeze",
        "Unsqueeze", "Split", "TopK", "Shape", "Size", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "QuantizeLinear", "OneHot", "Cast",
    ];

    // Ops that only rearrange what they read. Exporters often store a weight in another layout
    // (PyTorch's LSTM: W as 2-D Constants, unsqueezed and concatenated in the graph); its
    // parameters belong to the layer the rearranged value reaches, not to the Unsqueeze.
    private static readonly Dictionary<string, int[]> LayoutOnly = new(StringComparer.Ordinal)
    {
        ["Identity"] = [0], ["Unsqueeze"] = [0], ["Squeeze"] = [0], ["Reshape"] = [0], ["Flatten"] = [0],
        ["Transpose"] = [0], ["Cast"] = [0], ["Concat"] = [], ["Split"] = [0], ["Slice"] = [0],
    };

    public static bool IsLayoutOnly(Node node) => node.Domain.Length == 0 && LayoutOnly.ContainsKey(node.OpType);

    /// <summary>
    /// The stored tensors a value is made of: itself when it is an initializer or a Constant's
    /// output, else the stored tensors behind a chain of layout-only ops whose data all comes from
    /// storage. Empty when any part is computed at run time.
    /// </summary>
    public static IReadOnlyList<(Value Source, Tensor Tensor)> StoredSources(Value value)
    {
        var found = new List<(Value, Tensor)>();
        return Collect(value, found, depth: 0) ? found : [];
    }

    private static bool Collect(Value value, List<(Value, Tensor)> found, int depth)
    {
        var tensor = value.IsConstant ? value.Initializer : value.Producer?.ConstantOutput ?? (value.IsGraphInput ? value.Initializer : null);
        if (tensor is not null)
        {
            found.Add((value, tensor));
            return true;
        }
        // Deep chains are not layouts of a weight; the bound keeps a pathological graph cheap.
        if (depth >= 8 || value.Producer is not { } producer || !IsLayoutOnly(producer)) return false;
        int[] dataSlots = LayoutOnly[producer.OpType];
        for (int i = 0; i < producer.Inputs.Count; i++)
        {
            if (producer.Inputs[i] is not { } input) continue;
            bool data = dataSlots.Length == 0 || dataSlots.Contains(i);
            if (data && !Collect(input, found, depth + 1)) return false;
        }
        return true;
    }

    public static bool IsWeight(Node node, int slot, Tensor tensor)
    {
        // A codebook lookup, Gather(stored table, stored indices) as share-weights writes it, decodes a
        // stored weight: each index stands for one weight the model still has (the table's entries count too).
        if (node.Domain.Length == 0 && node.OpType == "Gather" && slot == 1 && node.Inputs[0] is { } table && StoredSources(table).Count > 0)
            return true;
        if (node.Domain.Length == 0 && Known.TryGetValue(node.OpType, out int[]? slots))
            return slots.Contains(slot) && (DataTypes.IsFloatingPoint(tensor.DataType) || IntegerWeights.Contains(node.OpType));
        if (node.Domain == MicrosoftQuantizedCosts.Domain && MicrosoftKnown.TryGetValue(node.OpType, out int[]? quantized))
            return quantized.Contains(slot);
        if (node.Domain.Length == 0 && Configuration.Contains(node.OpType)) return false;
        // Anything else (Add of a bias, Mul of a scale, Gather of an embedding table, custom ops):
        // a floating-point constant with more than one element. Scalars are almost always literals.
        return DataTypes.IsFloatingPoint(tensor.DataType) && tensor.ElementCount > 1;
    }
}
