using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Reshape: 0 copies the input dimension (unless allowzero), −1 takes what is left. The target
/// comes from the shape input (opset 5+) or the shape attribute (older).
/// </summary>
internal sealed class ReshapeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Reshape"];

    public void Infer(ShapeContext c)
    {
        var input = c.Shape(0);
        long[] target = c.Opset >= 5 || c.HasInput(1) ? c.Ints(1) : c.AttrInts("shape") ?? ShapeContext.Fail<long[]>("no target shape");
        bool allowZero = c.Attr("allowzero", 0) != 0;
        var shape = Resolve(c, input, target, allowZero);
        var value = c.TryValue(0);
        c.SetOutput(0, c.Type(0), shape, value is not null && shape.IsFullyKnown ? value.Reshaped(shape.ToArray()) : null);
    }

    private static TensorShape Resolve(ShapeContext c, TensorShape input, long[] target, bool allowZero)
    {
        var dims = new Dim[target.Length];
        int inferAt = -1;
        var copiedUnknown = new HashSet<int>();
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == -1)
            {
                if (inferAt >= 0) c.Fail("more than one -1 in the target shape");
                inferAt = i;
            }
            else if (t == 0 && !allowZero)
            {
                if (i >= input.Rank) c.Fail($"target dimension {i} copies an input dimension that does not exist");
                dims[i] = input[i];
                if (!input[i].IsKnown) copiedUnknown.Add(i);
            }
            else if (t < 0) c.Fail($"invalid target dimension {t}");
            else dims[i] = Dim.Of(t);
        }
        if (inferAt < 0) return new TensorShape(dims);

        // The input's unknown dimensions must all be carried over by 0s for −1 to be computable:
        // then they cancel out of the division.
        long known = 1;
        for (int i = 0; i < input.Rank; i++)
        {
            if (input[i].Value is long v) known *= v;
            else if (!copiedUnknown.Contains(i)) { dims[inferAt] = Dim.Unknown(); return new TensorShape(dims); }
        }
        long rest = 1;
        for (int i = 0; i < dims.Length; i++)
            if (i != inferAt && !copiedUnknown.Contains(i)) rest *= dims[i].Value!.Value;
        if (rest == 0 || known % rest != 0) c.Fail($"cannot reshape {input} into [{string.Join(',', target)}]");
        dims[inferAt] = Dim.Of(known / rest);
        return new TensorShape(dims);
    }
}
