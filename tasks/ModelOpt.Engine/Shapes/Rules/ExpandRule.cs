using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Expand: the input broadcast against the requested shape (which may be smaller).</summary>
internal sealed class ExpandRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Expand"];

    public void Infer(ShapeContext c)
    {
        var shape = DimMath.Broadcast([c.Shape(0), TensorShape.Of(c.Ints(1))]);
        FoldedTensor? folded = null;
        if (shape.IsFullyKnown && shape.ElementCount <= FoldedTensor.MaxElements && c.TryValue(0) is { } v)
        {
            var dims = shape.ToArray();
            var map = DimMath.BroadcastIndex(dims, v.Dims);
            folded = FoldedTensor.Of(v.Type, dims, e => v.Real(map[e]), e => v.Int(map[e]), map.Length);
        }
        c.SetOutput(0, c.Type(0), shape, folded);
    }
}
