using System.Runtime.InteropServices;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Data;

/// <summary>
/// The contents of a <c>.npy</c> file: its shape, its element type (as the ONNX type of the same
/// layout) and its values as little-endian bytes in C order.
/// </summary>
public sealed class NpyArray
{
    public NpyArray(long[] shape, DataType dataType, byte[] data)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (DataTypes.ByteSize(dataType, count) != data.LongLength)
            throw new ArgumentException($"{data.LongLength} bytes do not hold {count} elements of {DataTypes.Name(dataType)}.", nameof(data));
        Shape = shape;
        DataType = dataType;
        Data = data;
    }

    public long[] Shape { get; }

    public DataType DataType { get; }

    /// <summary>The values, little-endian, C order.</summary>
    public byte[] Data { get; }

    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The values reinterpreted as <typeparamref name="T"/> (which must match the element type's size).</summary>
    public ReadOnlySpan<T> Span<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data);

    /// <summary>The array as a constant tensor (the bytes are shared).</summary>
    public Tensor ToTensor(string name) => Tensor.FromBytes(name, DataType, Shape, Data);

    /// <summary>The values as float32, converting from any real-valued type.</summary>
    public float[] ToFloats() => ToTensor("npy").ToFloats();

    /// <summary>The values as int64, converting from any integer type.</summary>
    public long[] ToInt64s() => ToTensor("npy").ToInt64s();

    public override string ToString() => $"{DataTypes.Name(DataType)}[{string.Join(", ", Shape)}]";
}
