using System.Runtime.InteropServices;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// A named tensor passed to or returned from ONNX Runtime: element type, shape and the values as
/// little-endian bytes, so any fixed-size element type travels the same way and outputs can be
/// compared bit for bit.
/// </summary>
public sealed class TensorData
{
    public TensorData(string name, DataType elementType, long[] shape, byte[] bytes)
    {
        long expected = DataTypes.ByteSize(elementType, shape.Aggregate(1L, (a, d) => a * d));
        if (DataTypes.BitsPerElement(elementType) == 0)
            throw new ArgumentException($"Tensor '{name}': element type {DataTypes.Name(elementType)} has no fixed size.", nameof(elementType));
        if (bytes.Length != expected)
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(",", shape)}] needs {expected} bytes, got {bytes.Length}.", nameof(bytes));
        Name = name;
        ElementType = elementType;
        Shape = shape;
        Bytes = bytes;
    }

    public string Name { get; }

    public DataType ElementType { get; }

    public long[] Shape { get; }

    public byte[] Bytes { get; }

    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>From an array of values (the array is copied).</summary>
    public static TensorData FromArray<T>(string name, DataType elementType, long[] shape, T[] values) where T : unmanaged =>
        new(name, elementType, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static TensorData FromFloats(string name, long[] shape, float[] values) => FromArray(name, DataType.Float, shape, values);

    public static TensorData FromInt64s(string name, long[] shape, long[] values) => FromArray(name, DataType.Int64, shape, values);

    /// <summary>From an engine tensor (an initializer, a Constant's value), under <paramref name="name"/> or its own name.</summary>
    public static TensorData FromTensor(Tensor tensor, string? name = null) =>
        new(name ?? tensor.Name, tensor.DataType, tensor.Dims, tensor.Bytes.ToArray());

    public ReadOnlySpan<T> Span<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    public T[] ToArray<T>() where T : unmanaged => Span<T>().ToArray();

    public float[] ToFloats() => ElementType == DataType.Float
        ? ToArray<float>()
        : throw new InvalidOperationException($"Tensor '{Name}' holds {DataTypes.Name(ElementType)}, not float32.");

    /// <summary>True when both hold the same type, shape and exactly the same bits (NaNs included).</summary>
    public bool BitEquals(TensorData other) =>
        ElementType == other.ElementType && Shape.AsSpan().SequenceEqual(other.Shape) && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override string ToString() => $"{Name}: {DataTypes.Name(ElementType)}[{string.Join('x', Shape)}]";
}
