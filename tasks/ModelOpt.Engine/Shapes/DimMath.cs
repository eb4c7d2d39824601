using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>Arithmetic on dimensions that may be unknown: an unknown operand gives an unknown result.</summary>
internal static class DimMath
{
    public static Dim Multiply(Dim a, long k) => a.Value is long v ? Dim.Of(v * k) : k == 1 ? a : Dim.Unknown();

    public static Dim Multiply(Dim a, Dim b)
    {
        if (a.Value is long x && b.Value is long y) return Dim.Of(x * y);
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        return Dim.Unknown();
    }

    public static Dim Divide(Dim a, long k) => a.Value is long v ? Dim.Of(v / k) : k == 1 ? a : Dim.Unknown();

    public static long CeilDiv(long a, long b) => (a + b - 1) / b;

    /// <summary>Two dimensions numpy-broadcast together; null when they cannot be.</summary>
    public static Dim? Broadcast(Dim a, Dim b)
    {
        if (a.Value is long x && b.Value is long y)
        {
            if (x == y || y == 1) return a;
            if (x == 1) return b;
            return null;
        }
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        return a.Symbol is not null && a.Symbol == b.Symbol ? a : Dim.Unknown();
    }

    /// <summary>Multidirectional (numpy) broadcasting of any number of shapes.</summary>
    public static TensorShape Broadcast(IReadOnlyList<TensorShape> shapes)
    {
        int rank = shapes.Max(s => s.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++) dims[i] = Dim.Of(1);
        foreach (var s in shapes)
        {
            int offset = rank - s.Rank;
            for (int i = 0; i < s.Rank; i++)
                dims[offset + i] = Broadcast(dims[offset + i], s[i])
                    ?? ShapeContext.Fail<Dim>($"shapes {string.Join(", ", shapes)} cannot be broadcast together");
        }
        return new TensorShape(dims);
    }

    /// <summary>Shape <paramref name="shape"/> with dimension <paramref name="axis"/> replaced.</summary>
    public static TensorShape With(this TensorShape shape, int axis, Dim dim)
    {
        var dims = shape.Dims.ToArray();
        dims[axis] = dim;
        return new TensorShape(dims);
    }

    /// <summary>Flat index into <paramref name="inputDims"/> for every element of a broadcast output.</summary>
    public static int[] BroadcastIndex(long[] outputDims, long[] inputDims)
    {
        int rank = outputDims.Length;
        long count = outputDims.Aggregate(1L, (a, d) => a * d);
        var map = new int[count];
        var inStrides = new long[rank];
        long stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - inputDims.Length);
            inStrides[i] = j >= 0 && inputDims[j] != 1 ? stride : 0;
            if (j >= 0) stride *= inputDims[j];
        }
        var idx = new long[rank];
        for (long e = 0; e < count; e++)
        {
            long flat = 0;
            for (int i = 0; i < rank; i++) flat += idx[i] * inStrides[i];
            map[e] = (int)flat;
            for (int i = rank - 1; i >= 0; i--)
            {
                if (++idx[i] < outputDims[i]) break;
                idx[i] = 0;
            }
        }
        return map;
    }
}
