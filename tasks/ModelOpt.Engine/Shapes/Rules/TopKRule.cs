using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>TopK: the axis becomes k (attribute before opset 10, input since); values and int64 indices.</summary>
internal sealed class TopKRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["TopK"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Attr("axis", -1), x.Rank);
        var k = c.Opset >= 10 ? (c.TryValue(1) is { } v ? Dim.Of(v.Int(0)) : Dim.Unknown()) : Dim.Of(c.Attr("k", 1));
        var shape = x.With(axis, k);
        c.SetOutput(0, c.Type(0), shape);
        c.SetOutput(1, DataType.Int64, shape);
    }
}
