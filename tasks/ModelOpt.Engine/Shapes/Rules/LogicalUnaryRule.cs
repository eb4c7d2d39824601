using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Element-wise predicates: the input's shape, boolean elements.</summary>
internal sealed class LogicalUnaryRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Not", "IsNaN", "IsInf"];

    public void Infer(ShapeContext c)
    {
        FoldedTensor? folded = null;
        if (c.Node.OpType == "Not" && c.TryValue(0) is { IsInteger: true } x)
            folded = FoldedTensor.OfInts(DataType.Bool, x.Dims, x.Ints!.Select(v => v == 0 ? 1L : 0L).ToArray());
        c.SetOutput(0, DataType.Bool, c.Shape(0), folded);
    }
}
