using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Squeeze: axes from the attribute before opset 13, from the second input since; none given drops every 1.</summary>
internal sealed class SqueezeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Squeeze"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[]? axes = c.Opset >= 13 ? (c.HasInput(1) ? c.Ints(1) : null) : c.AttrInts("axes");
        HashSet<int> drop;
        if (axes is null || axes.Length == 0)
        {
            if (!x.Dims.All(d => d.IsKnown)) c.Fail("squeezing every 1 of a shape with unknown dimensions");
            drop = Enumerable.Range(0, x.Rank).Where(i => x[i].Value == 1).ToHashSet();
        }
        else drop = axes.Select(a => c.Axis(a, x.Rank)).ToHashSet();
        var shape = new TensorShape(x.Dims.Where((_, i) => !drop.Contains(i)));
        var value = c.TryValue(0);
        c.SetOutput(0, c.Type(0), shape, value is not null && shape.IsFullyKnown ? value.Reshaped(shape.ToArray()) : null);
    }
}
