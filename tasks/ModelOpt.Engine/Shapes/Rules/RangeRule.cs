using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Range: max(ceil((limit − start) / delta), 0) elements; folds when small.</summary>
internal sealed class RangeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Range"];

    public void Infer(ShapeContext c)
    {
        var type = c.Type(0);
        if (c.TryValue(0) is not { } start || c.TryValue(1) is not { } limit || c.TryValue(2) is not { } delta)
        {
            c.SetOutput(0, type, new TensorShape([Dim.Unknown()]));
            return;
        }
        double s = start.Real(0), d = delta.Real(0);
        if (d == 0) c.Fail("delta is 0");
        long count = Math.Max((long)Math.Ceiling((limit.Real(0) - s) / d), 0);
        FoldedTensor? folded = count <= FoldedTensor.MaxElements
            ? FoldedTensor.Of(type, [count], i => s + i * d, i => start.Int(0) + i * delta.Int(0), (int)count)
            : null;
        c.SetOutput(0, type, TensorShape.Of(count), folded);
    }
}
