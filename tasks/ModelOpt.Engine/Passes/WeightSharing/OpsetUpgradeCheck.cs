using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>
/// Whether a model's default-domain opset can be raised to 21 (the first with a <c>uint4</c> Cast)
/// without changing what it computes. Each op listed has had the same semantics from the given
/// opset up to 21, later versions adding only types or optional inputs and attributes whose
/// defaults keep the old behaviour. An op not listed, or a model older than its entry, is refused:
/// better 8-bit indices than a model that silently computes something else.
/// </summary>
public static class OpsetUpgradeCheck
{
    public const long PackedIndexOpset = 21;
    public const long PackedIndexIrVersion = 10;

    private static readonly Dictionary<string, long> SemanticsStableSince = new(StringComparer.Ordinal)
    {
        ["Abs"] = 6, ["Add"] = 7, ["Sub"] = 7, ["Mul"] = 7, ["Div"] = 7, ["Neg"] = 6, ["Sqrt"] = 6, ["Exp"] = 6,
        ["Log"] = 6, ["Pow"] = 7, ["Reciprocal"] = 6, ["Floor"] = 6, ["Ceil"] = 6, ["Erf"] = 9, ["Tanh"] = 6,
        ["Relu"] = 6, ["LeakyRelu"] = 6, ["PRelu"] = 9, ["Sigmoid"] = 6, ["HardSigmoid"] = 6, ["HardSwish"] = 14,
        ["Clip"] = 11, ["Max"] = 8, ["Min"] = 8, ["Sum"] = 8, ["Mean"] = 8, ["Where"] = 9,
        ["Conv"] = 11, ["ConvTranspose"] = 11, ["Gemm"] = 11, ["MatMul"] = 9,
        ["MaxPool"] = 12, ["AveragePool"] = 11, ["GlobalAveragePool"] = 1, ["GlobalMaxPool"] = 1,
        ["BatchNormalization"] = 9, ["InstanceNormalization"] = 6, ["LayerNormalization"] = 17,
        ["Softmax"] = 13, ["LogSoftmax"] = 13, ["Dropout"] = 12, ["Identity"] = 1,
        ["Flatten"] = 11, ["Reshape"] = 5, ["Transpose"] = 1, ["Concat"] = 11, ["Squeeze"] = 13, ["Unsqueeze"] = 13,
        ["Slice"] = 10, ["Gather"] = 11, ["Shape"] = 1, ["Cast"] = 13, ["Constant"] = 1, ["ConstantOfShape"] = 9,
        ["Expand"] = 8, ["Tile"] = 6, ["Pad"] = 11, ["Split"] = 13, ["Resize"] = 13,
        ["Equal"] = 11, ["Less"] = 9, ["Greater"] = 9, ["Not"] = 1,
        ["ReduceMean"] = 18, ["ReduceSum"] = 13, ["ReduceMax"] = 18, ["ReduceMin"] = 18,
    };

    /// <summary>Null when raising the opset to 21 is safe (or not needed); otherwise why not.</summary>
    public static string? WhyNot(Model model)
    {
        long opset = model.OpsetVersion() ?? 1;
        if (opset >= PackedIndexOpset) return null;
        foreach (var op in model.Graph.AllNodes().Where(n => n.Domain.Length == 0).Select(n => n.OpType).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!SemanticsStableSince.TryGetValue(op, out long since))
                return $"raising opset {opset} to {PackedIndexOpset} is not known to be safe for {op}";
            if (opset < since)
                return $"{op} changed its semantics at opset {since}, after the model's opset {opset}";
        }
        return null;
    }

    /// <summary>Raises the default-domain opset to 21 and the IR version to 10 (which <c>uint4</c> needs).</summary>
    public static void Upgrade(Model model)
    {
        if ((model.OpsetVersion() ?? 1) < PackedIndexOpset) model.SetOpsetVersion("", PackedIndexOpset);
        if (model.Template.IrVersion < PackedIndexIrVersion) model.Template.IrVersion = PackedIndexIrVersion;
    }
}
