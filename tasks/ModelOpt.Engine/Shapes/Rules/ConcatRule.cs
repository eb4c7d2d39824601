using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Concat: sizes along axis add up, other dimensions agree. Folds small constants (shape vectors).</summary>
internal sealed class ConcatRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Concat"];

    public void Infer(ShapeContext c)
    {
        var shapes = Enumerable.Range(0, c.InputCount).Where(c.HasInput).Select(c.Shape).ToList();
        if (shapes.Count == 0) c.Fail("no inputs");
        int rank = shapes[0].Rank;
        if (shapes.Any(s => s.Rank != rank)) c.Fail("inputs differ in rank");
        int axis = c.Axis(c.Attr("axis", 0), rank);
        var dims = shapes[0].Dims.ToArray();
        for (int i = 0; i < rank; i++)
        {
            if (i == axis)
            {
                Dim sum = Dim.Of(0);
                foreach (var s in shapes)
                    sum = sum.Value is long a && s[i].Value is long b ? Dim.Of(a + b) : Dim.Unknown();
                dims[i] = sum;
            }
            else
            {
                foreach (var s in shapes)
                    if (!dims[i].IsKnown && s[i].IsKnown) dims[i] = s[i];
            }
        }
        var shape = new TensorShape(dims);
        c.SetOutput(0, c.Type(0), shape, rank == 1 ? FoldVectors(c) : null);
    }

    // Exporters concatenate 1-D shape pieces; higher-rank constants are not worth folding.
    private static FoldedTensor? FoldVectors(ShapeContext c)
    {
        var parts = new List<FoldedTensor>();
        for (int i = 0; i < c.InputCount; i++)
        {
            if (!c.HasInput(i)) continue;
            if (c.TryValue(i) is not { } v) return null;
            parts.Add(v);
        }
        var type = c.Type(0);
        int count = parts.Sum(p => p.Count);
        if (parts.All(p => p.IsInteger))
            return FoldedTensor.OfInts(type, [count], parts.SelectMany(p => p.Ints!).ToArray());
        return FoldedTensor.OfReals(type, [count], parts.SelectMany(p => p.AsDoubles()).ToArray());
    }
}
