using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Where(cond, x, y): the three shapes broadcast; the type of x; folds on constants.</summary>
internal sealed class WhereRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Where"];

    public void Infer(ShapeContext c)
    {
        var shape = DimMath.Broadcast([c.Shape(0), c.Shape(1), c.Shape(2)]);
        var type = c.Type(1);
        FoldedTensor? folded = null;
        if (shape.IsFullyKnown && shape.ElementCount <= FoldedTensor.MaxElements
            && c.TryValue(0) is { } cond && c.TryValue(1) is { } x && c.TryValue(2) is { } y)
        {
            long[] dims = shape.ToArray();
            var (mc, mx, my) = (DimMath.BroadcastIndex(dims, cond.Dims), DimMath.BroadcastIndex(dims, x.Dims), DimMath.BroadcastIndex(dims, y.Dims));
            folded = FoldedTensor.Of(type, dims,
                e => cond.Int(mc[e]) != 0 ? x.Real(mx[e]) : y.Real(my[e]),
                e => cond.Int(mc[e]) != 0 ? x.Int(mx[e]) : y.Int(my[e]), mc.Length);
        }
        c.SetOutput(0, type, shape, folded);
    }
}
