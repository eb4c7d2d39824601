using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Pad: pads as an attribute (before opset 11) or input, [begin…, end…], over all axes or opset 18's axes.</summary>
internal sealed class PadRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Pad"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] pads = c.Opset >= 11 ? c.Ints(1) : c.AttrInts("pads") ?? c.AttrInts("paddings") ?? ShapeContext.Fail<long[]>("pads is missing");
        int[] axes = c.Opset >= 18 && c.HasInput(3)
            ? c.Ints(3).Select(a => c.Axis(a, x.Rank)).ToArray()
            : Enumerable.Range(0, x.Rank).ToArray();
        if (pads.Length != 2 * axes.Length) c.Fail($"{pads.Length} pads for {axes.Length} axes");
        var dims = x.Dims.ToArray();
        for (int k = 0; k < axes.Length; k++)
            dims[axes[k]] = dims[axes[k]].Value is long d ? Dim.Of(d + pads[k] + pads[k + axes.Length]) : Dim.Unknown();
        c.SetOutput(0, c.Type(0), new TensorShape(dims));
    }
}
