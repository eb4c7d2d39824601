using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Split: sizes from the split attribute (before opset 13) or input (13+); otherwise equal parts
/// over the outputs (num_outputs from opset 18, the last part smaller when uneven).
/// </summary>
internal sealed class SplitRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Split"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Attr("axis", 0), x.Rank);
        long[]? sizes = c.Opset >= 13 ? (c.HasInput(1) ? c.Ints(1) : null) : c.AttrInts("split");
        int parts = c.OutputCount;
        Dim[] partDims;
        if (sizes is { Length: > 0 })
        {
            if (sizes.Length != parts) c.Fail($"split lists {sizes.Length} sizes for {parts} outputs");
            partDims = sizes.Select(Dim.Of).ToArray();
        }
        else if (x[axis].Value is long total)
        {
            long chunk = DimMath.CeilDiv(total, parts);
            partDims = Enumerable.Range(0, parts).Select(i => Dim.Of(Math.Max(0, Math.Min(chunk, total - i * chunk)))).ToArray();
        }
        else partDims = Enumerable.Repeat(Dim.Unknown(), parts).ToArray();
        for (int i = 0; i < parts; i++) c.SetOutput(i, c.Type(0), x.With(axis, partDims[i]));
    }
}
