using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Transpose: dimensions permuted by perm (reversed when perm is absent). Folds small known values:
/// PyTorch's exported padding arithmetic (Silero VAD's STFT Pad) runs its pad vector through one.
/// </summary>
internal sealed class TransposeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Transpose"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] perm = c.AttrInts("perm") is { Length: > 0 } p ? p : Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank) c.Fail($"perm has {perm.Length} entries for rank {x.Rank}");
        int[] axes = perm.Select(i => c.Axis(i, x.Rank)).ToArray();
        c.SetOutput(0, c.Type(0), new TensorShape(axes.Select(a => x[a])), Fold(c.TryValue(0), axes));
    }

    private static FoldedTensor? Fold(FoldedTensor? value, int[] axes)
    {
        if (value is null || value.Dims.Length != axes.Length) return null;
        long[] inDims = value.Dims;
        long[] outDims = axes.Select(a => inDims[a]).ToArray();
        var inStrides = new long[inDims.Length];
        for (int d = inDims.Length - 1, s = 1; d >= 0; s *= (int)inDims[d], d--) inStrides[d] = s;
        int count = value.Count;
        var source = new int[count];
        var index = new long[outDims.Length];
        for (int i = 0; i < count; i++)
        {
            long offset = 0;
            for (int d = 0; d < outDims.Length; d++) offset += index[d] * inStrides[axes[d]];
            source[i] = (int)offset;
            for (int d = outDims.Length - 1; d >= 0; d--)
            {
                if (++index[d] < outDims[d]) break;
                index[d] = 0;
            }
        }
        return FoldedTensor.Of(value.Type, outDims, i => value.Real(source[i]), i => value.Int(source[i]), count);
    }
}
