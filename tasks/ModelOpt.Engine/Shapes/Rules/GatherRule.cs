using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Gather: data.shape[:axis] + indices.shape + data.shape[axis+1:]; folds on small constants.</summary>
internal sealed class GatherRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Gather"];

    public void Infer(ShapeContext c)
    {
        var data = c.Shape(0);
        var indices = c.Shape(1);
        int axis = c.Axis(c.Attr("axis", 0), data.Rank);
        var shape = new TensorShape([.. data.Dims.Take(axis), .. indices.Dims, .. data.Dims.Skip(axis + 1)]);
        FoldedTensor? folded = null;
        if (data.Rank == 1 && c.TryValue(0) is { } v && c.TryValue(1) is { } idx)
        {
            long n = v.Count;
            var at = idx.AsInt64s().Select(i => (int)(i < 0 ? i + n : i)).ToArray();
            if (at.All(i => i >= 0 && i < n))
                folded = FoldedTensor.Of(v.Type, idx.Dims, e => v.Real(at[e]), e => v.Int(at[e]), at.Length);
        }
        c.SetOutput(0, c.Type(0), shape, folded);
    }
}
