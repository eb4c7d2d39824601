using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>float32 → float16 conversion of constants, clamped to float16's finite range.</summary>
internal static class Float16Tensors
{
    /// <summary>The largest finite float16.</summary>
    public const float MaxValue = 65504f;

    /// <summary>The tensor in float16; values beyond ±65504 become ±65504 (not ±inf), NaN stays NaN.</summary>
    public static Tensor Convert(Tensor tensor, out int clamped)
    {
        var source = tensor.Span<float>();
        var halves = new Half[source.Length];
        clamped = 0;
        for (int i = 0; i < source.Length; i++)
        {
            float f = source[i];
            if (f > MaxValue) { f = MaxValue; clamped++; }
            else if (f < -MaxValue) { f = -MaxValue; clamped++; }
            halves[i] = (Half)f;
        }
        return Tensor.FromArray(tensor.Name, DataType.Float16, tensor.Dims, halves);
    }

    /// <summary>A Constant node's value attribute holding <paramref name="tensor"/>.</summary>
    public static AttributeProto ValueAttribute(Tensor tensor) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor.Proto };
}
