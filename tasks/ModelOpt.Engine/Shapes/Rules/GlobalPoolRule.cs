using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Global pooling: every spatial axis shrinks to 1.</summary>
internal sealed class GlobalPoolRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        if (x.Rank < 2) c.Fail("global pooling needs at least [N, C]");
        c.SetOutput(0, c.Type(0), new TensorShape(x.Dims.Select((d, i) => i < 2 ? d : Dim.Of(1))));
    }
}
