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
        if (y.IsGraphOutput || y.Producer is not { } last) return null;
        float c = 1, b = 0;
        var chain = new List<Node>();
        Value h = y;
        if (ScalarOperand(last, "Add") is { } add)
        {
            (h, b) = add;
            chain.Add(last);
        }
        if (h.Producer is { } mulNode && (chain.Count == 0 || (!h.IsGraphOutput && h.Uses.Count == 1)) && ScalarOperand(mulNode, "Mul") is { } mul)
        {
            (h, c) = mul;
            chain.Add(mulNode);
        }
        if (chain.Count == 0 || !(c > 0) || !float.IsFinite(c) || !float.IsFinite(b)) return null;

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
        return new Plan(h, new QuantParams(step / c, zero + k), new QuantParams(step, zero), chain);
    }

    /// <summary>The non-constant input and the scalar constant of a Mul/Add, or null.</summary>
    private static (Value Input, float Constant)? ScalarOperand(Node node, string opType)
    {
        if (node.OpType != opType || node.Domain.Length != 0 || node.Inputs.Count != 2) return null;
        for (int i = 0; i < 2; i++)
        {
            if (node.Input(i)?.ConstantValue is { DataType: DataType.Float, ElementCount: 1 } t && node.Input(1 - i) is { ConstantValue: null } x
                && x.ElementType == DataType.Float)
                return (x, t.ToFloats()[0]);
        }
        return null;
    }
}
