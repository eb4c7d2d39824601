using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Unsqueeze: axes (of the output) from the attribute before opset 13, from the second input since.</summary>
internal sealed class UnsqueezeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Unsqueeze"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] axes = c.Opset >= 13 ? c.Ints(1) : c.AttrInts("axes") ?? ShapeContext.Fail<long[]>("axes is missing");
        int rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => c.Axis(a, rank)).ToHashSet();
        if (inserted.Count != axes.Length) c.Fail("axes repeat");
        var dims = new Dim[rank];
        int j = 0;
        for (int i = 0; i < rank; i++) dims[i] = inserted.Contains(i) ? Dim.Of(1) : x[j++];
        var shape = new TensorShape(dims);
        var value = c.TryValue(0);
        c.SetOutput(0, c.Type(0), shape, value is not null && shape.IsFullyKnown ? value.Reshaped(shape.ToArray()) : null);
    }
}
