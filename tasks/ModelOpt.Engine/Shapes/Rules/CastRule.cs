using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Cast and CastLike: the input's shape, the target type; folds (shape vectors pass through Casts).</summary>
internal sealed class CastRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Cast", "CastLike"];

    public void Infer(ShapeContext c)
    {
        var type = c.Node.OpType == "Cast" ? (DataType)c.Attr("to", 0) : c.Type(1);
        if (type == DataType.Undefined) c.Fail("the target type is unknown");
        c.SetOutput(0, type, c.Shape(0), c.TryValue(0)?.CastTo(type));
    }
}
