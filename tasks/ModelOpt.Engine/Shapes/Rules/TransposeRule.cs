using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Transpose: dimensions permuted by perm (reversed when perm is absent).</summary>
internal sealed class TransposeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Transpose"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] perm = c.AttrInts("perm") is { Length: > 0 } p ? p : Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank) c.Fail($"perm has {perm.Length} entries for rank {x.Rank}");
        c.SetOutput(0, c.Type(0), new TensorShape(perm.Select(i => x[c.Axis(i, x.Rank)])));
    }
}
