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
        if (x.Rank == 1 && shape.IsFullyKnown && c.TryValue(0) is { } v)
        {
            var (s0, st, n) = ranges[0];
            folded = FoldedTensor.Of(v.Type, [n], i => v.Real((int)(s0 + i * st)), i => v.Int((int)(s0 + i * st)), (int)n);
        }
        c.SetOutput(0, c.Type(0), shape, folded);
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
