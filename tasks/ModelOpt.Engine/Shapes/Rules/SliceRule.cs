using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) since. Negative
/// indices count from the end; out-of-range ones clamp, as numpy does. Folds 1-D constants.
/// </summary>
internal sealed class SliceRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Slice"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset >= 10)
        {
            starts = c.Ints(1);
            ends = c.Ints(2);
            axes = c.HasInput(3) ? c.Ints(3) : null;
            steps = c.HasInput(4) ? c.Ints(4) : null;
        }
        else
        {
            starts = c.AttrInts("starts") ?? ShapeContext.Fail<long[]>("starts is missing");
            ends = c.AttrInts("ends") ?? ShapeContext.Fail<long[]>("ends is missing");
            axes = c.AttrInts("axes");
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= SlidingWindow.Ones(starts.Length);
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            c.Fail("starts, ends, axes and steps differ in length");

        var dims = x.Dims.ToArray();
        var ranges = new (long Start, long Step, long Count)[x.Rank];
        for (int i = 0; i < x.Rank; i++) ranges[i] = (0, 1, x[i].Value ?? -1);
        for (int k = 0; k < starts.Length; k++)
        {
            int axis = c.Axis(axes[k], x.Rank);
            if (steps[k] == 0) c.Fail("a step is 0");
            if (x[axis].Value is not long size)
            {
                dims[axis] = Dim.Unknown();
                continue;
            }
            var (start, count) = Range(starts[k], ends[k], steps[k], size);
            dims[axis] = Dim.Of(count);
            ranges[axis] = (start, steps[k], count);
        }
        var shape = new TensorShape(dims);
        FoldedTensor? folded = null;
        if (x.Rank >= 1 && shape.IsFullyKnown && c.TryValue(0) is { } v && v.Dims.Length == x.Rank)
            folded = Fold(v, ranges, shape.ToArray());
        c.SetOutput(0, c.Type(0), shape, folded);
    }

    // Any rank: PyTorch's exported padding reverses a [pads, 2] matrix with a step −1 Slice.
    private static FoldedTensor Fold(FoldedTensor v, (long Start, long Step, long Count)[] ranges, long[] outDims)
    {
        var strides = new long[v.Dims.Length];
        for (int d = v.Dims.Length - 1, s = 1; d >= 0; s *= (int)v.Dims[d], d--) strides[d] = s;
        int count = (int)outDims.Aggregate(1L, (a, d) => a * d);
        var source = new int[count];
        var index = new long[outDims.Length];
        for (int i = 0; i < count; i++)
        {
            long offset = 0;
            for (int d = 0; d < outDims.Length; d++) offset += (ranges[d].Start + index[d] * ranges[d].Step) * strides[d];
            source[i] = (int)offset;
            for (int d = outDims.Length - 1; d >= 0; d--)
            {
                if (++index[d] < outDims[d]) break;
                index[d] = 0;
            }
        }
        return FoldedTensor.Of(v.Type, outDims, i => v.Real(source[i]), i => v.Int(source[i]), count);
    }

    /// <summary>First index and element count of start:end:step over an axis of <paramref name="size"/>.</summary>
    public static (long Start, long Count) Range(long start, long end, long step, long size)
    {
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return (start, end > start ? DimMath.CeilDiv(end - start, step) : 0);
        }
        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return (start, start > end ? DimMath.CeilDiv(start - end, -step) : 0);
    }
}
