using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Binary and variadic element-wise ops with numpy broadcasting. Arithmetic and comparisons fold on
/// small constants, which is how exported shape computations (Shape → Gather → Mul → Concat) resolve.
/// </summary>
internal sealed class BroadcastRule : IShapeRule
{
    private static readonly HashSet<string> Comparisons = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"];

    public IEnumerable<string> OpTypes =>
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor",
    ];

    public void Infer(ShapeContext c)
    {
        var shapes = new List<TensorShape>();
        for (int i = 0; i < c.InputCount; i++)
            if (c.HasInput(i)) shapes.Add(c.Shape(i));
        if (shapes.Count == 0) c.Fail("the node has no inputs");
        var shape = DimMath.Broadcast(shapes);
        string op = c.Node.OpType;
        var type = Comparisons.Contains(op) ? DataType.Bool : c.Type(0);
        c.SetOutput(0, type, shape, TryFold(c, op, type, shape));
    }

    private static FoldedTensor? TryFold(ShapeContext c, string op, DataType type, TensorShape shape)
    {
        if (!shape.IsFullyKnown || shape.ElementCount > FoldedTensor.MaxElements) return null;
        var operands = new List<FoldedTensor>();
        for (int i = 0; i < c.InputCount; i++)
        {
            if (!c.HasInput(i)) continue;
            if (c.TryValue(i) is not { } v) return null;
            operands.Add(v);
        }
        long[] dims = shape.ToArray();
        int count = (int)shape.ElementCount!.Value;
        var maps = operands.Select(o => DimMath.BroadcastIndex(dims, o.Dims)).ToArray();
        bool integer = operands.All(o => o.IsInteger);
        if (integer)
        {
            var result = new long[count];
            for (int e = 0; e < count; e++)
            {
                long acc = operands[0].Int(maps[0][e]);
                for (int k = 1; k < operands.Count; k++)
                {
                    long? r = ApplyInt(op, acc, operands[k].Int(maps[k][e]));
                    if (r is null) return null;
                    acc = r.Value;
                }
                result[e] = op == "Mean" ? acc / operands.Count : acc;
            }
            return FoldedTensor.OfInts(type, dims, result);
        }
        var reals = new double[count];
        for (int e = 0; e < count; e++)
        {
            double acc = operands[0].Real(maps[0][e]);
            for (int k = 1; k < operands.Count; k++)
            {
                double? r = ApplyReal(op, acc, operands[k].Real(maps[k][e]));
                if (r is null) return null;
                acc = r.Value;
            }
            reals[e] = op == "Mean" ? acc / operands.Count : acc;
        }
        return FoldedTensor.IsIntegerType(type)
            ? FoldedTensor.OfInts(type, dims, Array.ConvertAll(reals, r => (long)r))
            : FoldedTensor.OfReals(type, dims, reals);
    }

    private static long? ApplyInt(string op, long a, long b) => op switch
    {
        "Add" or "Sum" or "Mean" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => b == 0 ? null : a / b,
        "Mod" => b == 0 ? null : a % b,
        "Pow" => (long)Math.Pow(a, b),
        "Max" => Math.Max(a, b),
        "Min" => Math.Min(a, b),
        "Equal" => a == b ? 1 : 0,
        "Less" => a < b ? 1 : 0,
        "Greater" => a > b ? 1 : 0,
        "LessOrEqual" => a <= b ? 1 : 0,
        "GreaterOrEqual" => a >= b ? 1 : 0,
        "And" => a != 0 && b != 0 ? 1 : 0,
        "Or" => a != 0 || b != 0 ? 1 : 0,
        "Xor" => (a != 0) ^ (b != 0) ? 1 : 0,
        _ => null,
    };

    private static double? ApplyReal(string op, double a, double b) => op switch
    {
        "Add" or "Sum" or "Mean" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => a / b,
        "Mod" => Math.IEEERemainder(a, b),
        "Pow" => Math.Pow(a, b),
        "Max" => Math.Max(a, b),
        "Min" => Math.Min(a, b),
        "Equal" => a == b ? 1 : 0,
        "Less" => a < b ? 1 : 0,
        "Greater" => a > b ? 1 : 0,
        "LessOrEqual" => a <= b ? 1 : 0,
        "GreaterOrEqual" => a >= b ? 1 : 0,
        _ => null,
    };
}
