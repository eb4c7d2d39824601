using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.IR;

/// <summary>
/// A constant tensor (an initializer or a Constant node's value). It is a view: the bytes stay in
/// the parsed protobuf or in the external-data file until something asks for them, so loading a
/// model never copies its weights.
/// </summary>
public sealed class Tensor
{
    private readonly TensorProto _proto;
    private readonly ExternalDataRef? _external;
    private ReadOnlyMemory<byte>? _bytes;

    private Tensor(TensorProto proto, ExternalDataRef? external)
    {
        _proto = proto;
        _external = external;
        Dims = proto.Dims.ToArray();
    }

    /// <summary>Wraps a parsed tensor; <paramref name="external"/> says where its bytes live when not inline.</summary>
    public static Tensor FromProto(TensorProto proto, ExternalDataRef? external = null) => new(proto, external);

    /// <summary>A new tensor over the given little-endian bytes (no copy is made).</summary>
    public static Tensor FromBytes(string name, DataType type, long[] dims, ReadOnlyMemory<byte> bytes)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        proto.Dims.AddRange(dims);
        return new Tensor(proto, null) { _bytes = bytes };
    }

    public static Tensor FromArray<T>(string name, DataType type, long[] dims, T[] values) where T : unmanaged =>
        FromBytes(name, type, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor FromFloats(string name, long[] dims, float[] values) => FromArray(name, DataType.Float, dims, values);

    public static Tensor FromInt64s(string name, long[] dims, long[] values) => FromArray(name, DataType.Int64, dims, values);

    public string Name => _proto.Name;

    public DataType DataType => (DataType)_proto.DataType;

    public long[] Dims { get; }

    public TensorShape Shape => TensorShape.Of(Dims);

    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bytes the values occupy once serialized (raw), whatever the current storage.</summary>
    public long ByteSize => DataType == DataType.String
        ? _proto.StringData.Sum(s => (long)s.Length)
        : DataTypes.ByteSize(DataType, ElementCount);

    public bool IsExternal => _external is not null;

    /// <summary>Where the bytes live when the tensor came from external data.</summary>
    public ExternalDataRef? External => _external;

    /// <summary>The values as little-endian bytes, read or decoded on first use.</summary>
    public ReadOnlySpan<byte> Bytes => Memory.Span;

    public ReadOnlyMemory<byte> Memory => _bytes ??= LoadBytes();

    /// <summary>The values reinterpreted as <typeparamref name="T"/> (which must match the element type's size).</summary>
    public ReadOnlySpan<T> Span<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>The values as float32, converting from any real-valued type.</summary>
    public float[] ToFloats() => DataType switch
    {
        DataType.Float => Span<float>().ToArray(),
        DataType.Double => Array.ConvertAll(Span<double>().ToArray(), v => (float)v),
        DataType.Float16 => Array.ConvertAll(Span<Half>().ToArray(), v => (float)v),
        DataType.Int64 => Array.ConvertAll(Span<long>().ToArray(), v => (float)v),
        DataType.Int32 => Array.ConvertAll(Span<int>().ToArray(), v => (float)v),
        DataType.Int8 => Array.ConvertAll(Span<sbyte>().ToArray(), v => (float)v),
        DataType.Uint8 or DataType.Bool => Array.ConvertAll(Bytes.ToArray(), v => (float)v),
        _ => throw new NotSupportedException($"Tensor '{Name}' of type {DataTypes.Name(DataType)} cannot be read as float."),
    };

    /// <summary>The values as int64, for the integer arguments of shape ops (Reshape, Slice, Gather, …).</summary>
    public long[] ToInt64s() => DataType switch
    {
        DataType.Int64 => Span<long>().ToArray(),
        DataType.Int32 => Array.ConvertAll(Span<int>().ToArray(), v => (long)v),
        DataType.Uint8 or DataType.Bool => Array.ConvertAll(Bytes.ToArray(), v => (long)v),
        DataType.Int8 => Array.ConvertAll(Span<sbyte>().ToArray(), v => (long)v),
        DataType.Float => Array.ConvertAll(Span<float>().ToArray(), v => (long)v),
        DataType.Double => Array.ConvertAll(Span<double>().ToArray(), v => (long)v),
        _ => throw new NotSupportedException($"Tensor '{Name}' of type {DataTypes.Name(DataType)} cannot be read as integers."),
    };

    /// <summary>
    /// The tensor as it should be written: the original message when nothing forces a change, so
    /// unknown fields and the original encoding survive a round trip.
    /// </summary>
    internal TensorProto Proto => _proto;

    /// <summary>A copy of the message with the data inline as <c>raw_data</c> (used when external data is brought back in).</summary>
    internal TensorProto ToInlineProto()
    {
        var copy = _proto.Clone();
        copy.ExternalData.Clear();
        copy.ClearDataLocation();
        copy.RawData = UnsafeByteOperations.UnsafeWrap(Memory);
        return copy;
    }

    /// <summary>A tensor with the same values under another name (the bytes are shared).</summary>
    public Tensor WithName(string name)
    {
        var copy = _proto.Clone();
        copy.Name = name;
        return new Tensor(copy, _external) { _bytes = _bytes };
    }

    public override string ToString() => $"{Name}: {DataTypes.Name(DataType)}[{string.Join('x', Dims)}]";

    private ReadOnlyMemory<byte> LoadBytes()
    {
        if (_external is not null) return _external.Read();
        if (_proto.HasRawData) return _proto.RawData.Memory;
        return TypedFieldsToBytes();
    }

    // Values stored in the typed repeated fields rather than raw_data: ONNX packs the small integer
    // and 16-bit float types into int32_data, one element per entry.
    private byte[] TypedFieldsToBytes()
    {
        switch (DataType)
        {
            case DataType.Float: return MemoryMarshal.AsBytes(_proto.FloatData.ToArray().AsSpan()).ToArray();
            case DataType.Double: return MemoryMarshal.AsBytes(_proto.DoubleData.ToArray().AsSpan()).ToArray();
            case DataType.Int64: return MemoryMarshal.AsBytes(_proto.Int64Data.ToArray().AsSpan()).ToArray();
            case DataType.Uint64: return MemoryMarshal.AsBytes(_proto.Uint64Data.ToArray().AsSpan()).ToArray();
            case DataType.Uint32: return MemoryMarshal.AsBytes(_proto.Uint64Data.Select(v => (uint)v).ToArray().AsSpan()).ToArray();
            case DataType.Int32: return MemoryMarshal.AsBytes(_proto.Int32Data.ToArray().AsSpan()).ToArray();
            case DataType.Int16:
            case DataType.Uint16:
            case DataType.Float16:
            case DataType.Bfloat16:
                return MemoryMarshal.AsBytes(_proto.Int32Data.Select(v => (ushort)v).ToArray().AsSpan()).ToArray();
            case DataType.Int8:
            case DataType.Uint8:
            case DataType.Bool:
            case DataType.Int4:
            case DataType.Uint4:
                return _proto.Int32Data.Select(v => (byte)v).ToArray();
            case DataType.String:
                throw new NotSupportedException($"Tensor '{Name}' holds strings, which have no byte view.");
            default:
                throw new NotSupportedException($"Tensor '{Name}' has element type {DataType}, which ModelOpt cannot read.");
        }
    }
}
