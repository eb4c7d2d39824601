using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>Facts about ONNX element types that the cost model and the tensor views need.</summary>
public static class DataTypes
{
    /// <summary>Size of one element in bits (4 for the packed 4-bit types), 0 when not fixed (string).</summary>
    public static int BitsPerElement(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 32,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 64,
        TensorProto.Types.DataType.Complex128 => 128,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 => 16,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool
            or TensorProto.Types.DataType.Float8E4M3Fn or TensorProto.Types.DataType.Float8E4M3Fnuz
            or TensorProto.Types.DataType.Float8E5M2 or TensorProto.Types.DataType.Float8E5M2Fnuz
            or TensorProto.Types.DataType.Float8E8M0 => 8,
        TensorProto.Types.DataType.Uint4 or TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Float4E2M1 => 4,
        _ => 0,
    };

    /// <summary>Bytes needed to store <paramref name="count"/> elements (4-bit types round up).</summary>
    public static long ByteSize(TensorProto.Types.DataType type, long count) => (BitsPerElement(type) * count + 7) / 8;

    public static bool IsFloatingPoint(TensorProto.Types.DataType type) => type is TensorProto.Types.DataType.Float
        or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16;

    public static string Name(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float => "float32",
        TensorProto.Types.DataType.Double => "float64",
        TensorProto.Types.DataType.Float16 => "float16",
        TensorProto.Types.DataType.Bfloat16 => "bfloat16",
        _ => type.ToString().ToLowerInvariant(),
    };
}
