using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>ConstantOfShape: the shape given by the input's value, filled with the value attribute (float 0 by default).</summary>
internal sealed class ConstantOfShapeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["ConstantOfShape"];

    public void Infer(ShapeContext c)
    {
        long[] dims = c.Ints(0);
        var attr = c.Node.Attribute("value")?.T;
        var fill = attr is not null ? FoldedTensor.FromTensor(Tensor.FromProto(attr)) : null;
        var type = attr is not null ? (DataType)attr.DataType : DataType.Float;
        long count = dims.Aggregate(1L, (a, d) => a * d);
        FoldedTensor? folded = null;
        if (count <= FoldedTensor.MaxElements)
            folded = FoldedTensor.Of(type, dims, _ => fill?.Real(0) ?? 0, _ => fill?.Int(0) ?? 0, (int)count);
        c.SetOutput(0, type, TensorShape.Of(dims), folded);
    }
}
