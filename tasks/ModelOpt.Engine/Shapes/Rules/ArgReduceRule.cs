using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>ArgMax/ArgMin: int64 indices, the axis kept as 1 or dropped (keepdims).</summary>
internal sealed class ArgReduceRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["ArgMax", "ArgMin"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Attr("axis", 0), x.Rank);
        bool keep = c.Attr("keepdims", 1) != 0;
        var dims = x.Dims.Select((d, i) => i == axis ? Dim.Of(1) : d).Where((_, i) => keep || i != axis);
        c.SetOutput(0, DataType.Int64, new TensorShape(dims));
    }
}
