using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// A small constant that shape inference computes with (shape vectors, Slice bounds, Resize
/// scales). Integer and boolean types keep exact int64 values (Slice's INT64_MAX must survive);
/// floating types keep doubles.
/// </summary>
internal sealed class FoldedTensor
{
    /// <summary>Larger constants are not read: folding is for shape arithmetic, not weights.</summary>
    public const int MaxElements = 4096;

    private FoldedTensor(DataType type, long[] dims, long[]? ints, double[]? reals)
    {
        Type = type;
        Dims = dims;
        Ints = ints;
        Reals = reals;
    }

    public DataType Type { get; }

    public long[] Dims { get; }

    public long[]? Ints { get; }

    public double[]? Reals { get; }

    public int Count => Ints?.Length ?? Reals!.Length;

    public bool IsInteger => Ints is not null;

    public long Int(int i) => Ints is { } v ? v[i] : (long)Reals![i];

    public double Real(int i) => Ints is { } v ? v[i] : Reals![i];

    public long[] AsInt64s() => Ints ?? Array.ConvertAll(Reals!, r => (long)r);

    public double[] AsDoubles() => Reals ?? Array.ConvertAll(Ints!, i => (double)i);

    public static bool IsIntegerType(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 or DataType.Uint64 or DataType.Bool;

    public static bool IsRealType(DataType t) => t is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    public static FoldedTensor OfInts(DataType type, long[] dims, long[] values) => new(type, dims, values, null);

    public static FoldedTensor OfReals(DataType type, long[] dims, double[] values) => new(type, dims, null, values);

    /// <summary>A value of <paramref name="type"/>: integers or reals as the type demands.</summary>
    public static FoldedTensor Of(DataType type, long[] dims, Func<int, double> real, Func<int, long> integer, int count)
    {
        if (IsIntegerType(type))
        {
            var v = new long[count];
            for (int i = 0; i < count; i++) v[i] = type == DataType.Bool ? (integer(i) != 0 ? 1 : 0) : integer(i);
            return OfInts(type, dims, v);
        }
        var r = new double[count];
        for (int i = 0; i < count; i++) r[i] = real(i);
        return OfReals(type, dims, r);
    }

    /// <summary>Reads a constant tensor when it is small and of a type shape arithmetic uses.</summary>
    public static FoldedTensor? FromTensor(Tensor tensor)
    {
        if (tensor.ElementCount > MaxElements) return null;
        try
        {
            if (IsIntegerType(tensor.DataType) && tensor.DataType is not DataType.Uint64 and not DataType.Uint32 and not DataType.Uint16 and not DataType.Int16)
                return OfInts(tensor.DataType, tensor.Dims, tensor.ToInt64s());
            if (tensor.DataType is DataType.Float or DataType.Double or DataType.Float16)
                return OfReals(tensor.DataType, tensor.Dims, Array.ConvertAll(tensor.ToFloats(), f => (double)f));
        }
        catch (NotSupportedException)
        {
            // An element type ModelOpt cannot read: the value simply stays unknown.
        }
        return null;
    }

    public FoldedTensor CastTo(DataType type)
    {
        if (IsIntegerType(type))
            return Of(type, Dims, _ => 0, i => Ints is { } v ? v[i] : (long)Math.Truncate(Reals![i]), Count);
        return Of(type, Dims, Real, _ => 0, Count);
    }

    public FoldedTensor Reshaped(long[] dims) => new(Type, dims, Ints, Reals);

    /// <summary>The value as a tensor for <see cref="Value.KnownValue"/>, or null for types the IR cannot hold.</summary>
    public Tensor? ToTensor(string name) => Type switch
    {
        DataType.Int64 => Tensor.FromInt64s(name, Dims, AsInt64s()),
        DataType.Int32 => Tensor.FromArray(name, Type, Dims, Array.ConvertAll(AsInt64s(), v => (int)v)),
        DataType.Int8 => Tensor.FromArray(name, Type, Dims, Array.ConvertAll(AsInt64s(), v => (sbyte)v)),
        DataType.Uint8 or DataType.Bool => Tensor.FromArray(name, Type, Dims, Array.ConvertAll(AsInt64s(), v => (byte)v)),
        DataType.Float => Tensor.FromFloats(name, Dims, Array.ConvertAll(AsDoubles(), v => (float)v)),
        DataType.Double => Tensor.FromArray(name, Type, Dims, AsDoubles()),
        DataType.Float16 => Tensor.FromArray(name, Type, Dims, Array.ConvertAll(AsDoubles(), v => (Half)v)),
        _ => null,
    };
}
