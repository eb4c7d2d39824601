using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>DepthToSpace [N, C/b², H·b, W·b] and SpaceToDepth [N, C·b², H/b, W/b].</summary>
internal sealed class DepthSpaceRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["DepthToSpace", "SpaceToDepth"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        if (x.Rank != 4) c.Fail("expects a 4-D input");
        long b = c.Attr("blocksize", 0);
        if (b <= 0) c.Fail("blocksize is missing");
        var shape = c.Node.OpType == "DepthToSpace"
            ? new TensorShape([x[0], DimMath.Divide(x[1], b * b), DimMath.Multiply(x[2], b), DimMath.Multiply(x[3], b)])
            : new TensorShape([x[0], DimMath.Multiply(x[1], b * b), DimMath.Divide(x[2], b), DimMath.Divide(x[3], b)]);
        c.SetOutput(0, c.Type(0), shape);
    }
}
