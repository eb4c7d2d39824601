using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Shape (with opset 15's start/end) and Size: int64 results, known values when the dimensions are.</summary>
internal sealed class ShapeOfRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Shape", "Size"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        if (c.Node.OpType == "Size")
        {
            var count = x.ElementCount;
            c.SetOutput(0, DataType.Int64, TensorShape.Scalar, count is long n ? FoldedTensor.OfInts(DataType.Int64, [], [n]) : null);
            return;
        }
        long start = c.Attr("start", 0), end = c.Attr("end", x.Rank);
        var (first, length) = SliceRule.Range(start, end, 1, x.Rank);
        var dims = x.Dims.Skip((int)first).Take((int)length).ToArray();
        var value = dims.All(d => d.IsKnown) ? FoldedTensor.OfInts(DataType.Int64, [length], dims.Select(d => d.Value!.Value).ToArray()) : null;
        c.SetOutput(0, DataType.Int64, TensorShape.Of(length), value);
    }
}
