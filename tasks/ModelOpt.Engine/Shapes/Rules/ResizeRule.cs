using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Resize and Upsample: explicit sizes, or floor(in·scale). Where the scales come from moved over
/// the opsets: Upsample's attribute (≤8) or input 1 (9); Resize's input 1 (10) or inputs 2/3 (11+),
/// restricted to opset 18's axes when given.
/// </summary>
internal sealed class ResizeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Resize", "Upsample"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        double[]? scales = null;
        long[]? sizes = null;
        if (c.Node.OpType == "Upsample")
            scales = c.Opset <= 8 ? c.Node.GetFloats("scales")?.Select(f => (double)f).ToArray() : c.Value(1).AsDoubles();
        else if (c.Opset <= 10)
            scales = c.Value(1).AsDoubles();
        else
        {
            if (c.HasInput(3)) sizes = c.Ints(3);
            if (sizes is not { Length: > 0 } && c.HasInput(2)) scales = c.Value(2).AsDoubles();
        }
        int[] axes = c.AttrInts("axes") is { Length: > 0 } ax
            ? ax.Select(a => c.Axis(a, x.Rank)).ToArray()
            : Enumerable.Range(0, x.Rank).ToArray();

        var dims = x.Dims.ToArray();
        if (sizes is { Length: > 0 })
        {
            if (sizes.Length != axes.Length) c.Fail($"{sizes.Length} sizes for {axes.Length} axes");
            if (c.Attr("keep_aspect_ratio_policy", "stretch") != "stretch") c.Fail("keep_aspect_ratio_policy other than stretch");
            for (int k = 0; k < axes.Length; k++) dims[axes[k]] = Dim.Of(sizes[k]);
        }
        else if (scales is { Length: > 0 })
        {
            if (scales.Length != axes.Length) c.Fail($"{scales.Length} scales for {axes.Length} axes");
            for (int k = 0; k < axes.Length; k++)
                dims[axes[k]] = dims[axes[k]].Value is long d ? Dim.Of((long)Math.Floor(d * scales[k] + 1e-9)) : Dim.Unknown();
        }
        else c.Fail("neither scales nor sizes are known");
        c.SetOutput(0, c.Type(0), new TensorShape(dims));
    }
}
