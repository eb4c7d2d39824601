using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Ops whose output has the input's shape and type: activations, unary math, Identity, Dropout,
/// Softmax and friends, and the normalisations (their extra inputs are per-channel or broadcast).
/// Integer arithmetic ones fold, because exporters run shape vectors through them.
/// </summary>
internal sealed class UnaryElementwiseRule : IShapeRule
{
    private static readonly Dictionary<string, Func<double, double>> Folds = new()
    {
        ["Identity"] = x => x,
        ["Neg"] = x => -x,
        ["Abs"] = Math.Abs,
        ["Floor"] = Math.Floor,
        ["Ceil"] = Math.Ceiling,
        ["Round"] = x => Math.Round(x, MidpointRounding.ToEven),
        ["Sqrt"] = Math.Sqrt,
        ["Reciprocal"] = x => 1 / x,
        ["Relu"] = x => Math.Max(0, x),
        ["Sign"] = x => Math.Sign(x),
        ["Exp"] = Math.Exp,
        ["Log"] = Math.Log,
    };

    public IEnumerable<string> OpTypes =>
    [
        "Relu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Clip", "Exp", "Log", "Sqrt", "Erf",
        "Gelu", "Softplus", "Softsign", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round", "Identity", "Elu",
        "Selu", "Celu", "Mish", "ThresholdedRelu", "Shrink", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
        "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Softmax", "LogSoftmax", "Hardmax", "PRelu", "LRN", "CumSum",
        "Trilu", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization",
        "MeanVarianceNormalization", "LpNormalization", "Dropout", "ScatterND", "ScatterElements", "Scatter",
        "ReverseSequence", "BitwiseNot",
    ];

    public void Infer(ShapeContext c)
    {
        var shape = c.Shape(0);
        var type = c.Type(0);
        string op = c.Node.OpType;
        FoldedTensor? folded = null;
        if (Folds.TryGetValue(op, out var f) && c.TryValue(0) is { } x)
            folded = FoldedTensor.Of(type, x.Dims, i => f(x.Real(i)), i => x.IsInteger && op is not ("Sqrt" or "Reciprocal" or "Exp" or "Log") ? (long)f(x.Int(i)) : (long)f(x.Real(i)), x.Count);
        c.SetOutput(0, type, shape, folded);
        switch (op)
        {
            case "Dropout":
                c.SetOutput(1, DataType.Bool, shape);
                break;
            case "BatchNormalization" when c.OutputCount > 1:
                // Training mode: running mean and variance (and, before opset 14, saved ones) per channel.
                var channels = new TensorShape([shape.Rank > 1 ? shape[1] : Dim.Unknown()]);
                for (int i = 1; i < c.OutputCount; i++) c.SetOutput(i, type, channels);
                break;
            case "LayerNormalization" when c.OutputCount > 1:
                int axis = c.Axis(c.Attr("axis", -1), shape.Rank);
                var stat = new TensorShape(shape.Dims.Select((d, i) => i < axis ? d : Dim.Of(1)));
                var statType = (DataType)c.Attr("stash_type", (long)DataType.Float);
                for (int i = 1; i < c.OutputCount; i++) c.SetOutput(i, statType, stat);
                break;
        }
    }
}
