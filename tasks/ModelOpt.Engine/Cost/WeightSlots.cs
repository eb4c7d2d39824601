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

    // Quantized weights are integers; everywhere else a weight is floating point.
    private static readonly HashSet<string> IntegerWeights = ["ConvInteger", "QLinearConv", "MatMulInteger", "QLinearMatMul", "DequantizeLinear"];

    // Ops whose constant inputs configure them: never weights.
    private static readonly HashSet<string> Configuration =
    [
        "Reshape", "Resize", "Upsample", "Clip", "Pad", "Slice", "Expand", "Tile", "Range", "ConstantOfShape", "Squeeze",
        "Unsqueeze", "Split", "TopK", "Shape", "Size", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "QuantizeLinear", "OneHot", "Cast",
    ];

    public static bool IsWeight(Node node, int slot, Tensor tensor)
    {
        if (node.Domain.Length == 0 && Known.TryGetValue(node.OpType, out int[]? slots))
            return slots.Contains(slot) && (DataTypes.IsFloatingPoint(tensor.DataType) || IntegerWeights.Contains(node.OpType));
        if (node.Domain.Length == 0 && Configuration.Contains(node.OpType)) return false;
        // Anything else (Add of a bias, Mul of a scale, Gather of an embedding table, custom ops):
        // a floating-point constant with more than one element. Scalars are almost always literals.
        return DataTypes.IsFloatingPoint(tensor.DataType) && tensor.ElementCount > 1;
    }
}
