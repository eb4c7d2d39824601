using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// A quantized tensor y = c·h + b (a Mul and/or Add by scalar constants, as PP-LCNetV3's affine
/// blocks after each hard-swish) can be quantized straight from h: with the step s chosen so that
/// b/s is a whole number k, round((c·h + b)/s) + z = round(h/(s/c)) + (z + k), so QuantizeLinear
/// with scale s/c and zero point z + k gives exactly the integers Q(y) gives, and the Mul and Add
/// (two full passes over the tensor in float) disappear. The DequantizeLinear keeps (s, z).
/// </summary>
public static class AffineAbsorption
{
    /// <summary>What quantizing y from h needs: the tensor Q reads, Q's parameters, the DQ's, and the nodes that become dead.</summary>
    public sealed record Plan(Value Source, QuantParams Quantize, QuantParams Dequantize, IReadOnlyList<Node> Absorbed);

    /// <summary>
    /// The plan for <paramref name="y"/> with calibrated <paramref name="range"/>, or null when y is not
    /// such an affine function, c ≤ 0, or b is below one step (s would have to grow more than twofold).
    /// </summary>
    public static Plan? TryPlan(Value y, TensorRange range, bool signed)
    {
        if (ScalarAffineChain.Match(y) is not { Factor: > 0 } chain) return null;
        var (h, c, b, nodes) = (chain.Source, chain.Factor, chain.Shift, chain.Nodes);

        var p = QuantizationMath.ForActivation(range, signed, symmetric: false);
        int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
        float step = p.Scale;
        int k = 0;
        if (b != 0)
        {
            // The smallest step ≥ the calibrated one that divides b: never a narrower range, at most twice as coarse.
            int n = (int)MathF.Floor(MathF.Abs(b) / p.Scale);
            if (n < 1) return null;
            step = MathF.Abs(b) / n;
            k = b > 0 ? n : -n;
        }
        var r = range.WithZero();
        int zero = Math.Clamp((int)MathF.Round(qmin - r.Min / step), qmin, qmax);
        if (zero + k < qmin || zero + k > qmax) return null;
        return new Plan(h, new QuantParams(step / c, zero + k), new QuantParams(step, zero), nodes);
    }
}
