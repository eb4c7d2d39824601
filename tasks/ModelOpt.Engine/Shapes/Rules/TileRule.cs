using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Tile: each dimension times its repeat count.</summary>
internal sealed class TileRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Tile"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] repeats = c.Ints(1);
        if (repeats.Length != x.Rank) c.Fail($"{repeats.Length} repeats for rank {x.Rank}");
        c.SetOutput(0, c.Type(0), new TensorShape(x.Dims.Select((d, i) => DimMath.Multiply(d, repeats[i]))));
    }
}
