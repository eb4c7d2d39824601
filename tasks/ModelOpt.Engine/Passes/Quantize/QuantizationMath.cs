namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>Scale and zero point of an affine 8-bit quantization, and the rounding ONNX's QuantizeLinear does.</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint);

public static class QuantizationMath
{
    /// <summary>Activation parameters: asymmetric over the range (with 0 inside), or symmetric int8 around 0.</summary>
    public static QuantParams ForActivation(TensorRange range, bool signed, bool symmetric)
    {
        var r = range.WithZero();
        if (symmetric)
        {
            float absMax = Math.Max(-r.Min, r.Max);
            return new QuantParams(NonZero(absMax / 127f), 0);
        }
        int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
        float scale = NonZero((r.Max - r.Min) / (qmax - qmin));
        int zp = Math.Clamp((int)MathF.Round(qmin - r.Min / scale), qmin, qmax);
        return new QuantParams(scale, zp);
    }

    /// <summary>Round half to even, as ONNX QuantizeLinear specifies.</summary>
    public static int Round(double v) => (int)Math.Round(v, MidpointRounding.ToEven);

    private static float NonZero(float scale) => scale > 0 && float.IsFinite(scale) ? scale : 1f;
}
