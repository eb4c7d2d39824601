using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Flatten: [prod(dims before axis), prod(dims from axis)].</summary>
internal sealed class FlattenRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Flatten"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long axis = c.Attr("axis", 1);
        int a = axis < 0 ? (int)(axis + x.Rank) : (int)axis;
        if (a < 0 || a > x.Rank) c.Fail($"axis {axis} is out of range for rank {x.Rank}");
        Dim outer = Dim.Of(1), inner = Dim.Of(1);
        for (int i = 0; i < x.Rank; i++)
        {
            if (i < a) outer = DimMath.Multiply(outer, x[i]);
            else inner = DimMath.Multiply(inner, x[i]);
        }
        c.SetOutput(0, c.Type(0), new TensorShape([outer, inner]));
    }
}
