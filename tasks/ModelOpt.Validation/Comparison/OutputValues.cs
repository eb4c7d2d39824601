using ModelOpt.Engine.Numerics;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Comparison;

/// <summary>An output's values as doubles (any numeric element type), and its top-1 classes.</summary>
internal static class OutputValues
{
    public static double[] ToDoubles(TensorData t) => t.ElementType switch
    {
        DataType.Float => Convert(t.Span<float>(), v => v),
        DataType.Double => t.ToArray<double>(),
        DataType.Float16 => Convert(t.Span<Half>(), v => (double)v),
        DataType.Int64 => Convert(t.Span<long>(), v => v),
        DataType.Int32 => Convert(t.Span<int>(), v => v),
        DataType.Int8 => Convert(t.Span<sbyte>(), v => v),
        DataType.Uint8 or DataType.Bool => Convert(t.Span<byte>(), v => v),
        _ => throw new InvalidOperationException($"output '{t.Name}' has element type {t.ElementType}, which ModelOpt does not compare."),
    };

    /// <summary>
    /// Where the output's class scores lie, for top-1 agreement: for [N, T, C] (a sequence of class
    /// scores: CTC frames, tokens, audio frames) each of the N·T positions over C; for [N, C, H, W]
    /// with C &gt; 1 (a segmentation map) each of the N·H·W pixels over C; otherwise each sample over
    /// all its elements. Returns (positions, classes, stride between two classes of a position).
    /// </summary>
    public static (long Positions, int Classes, int Stride, int Inner) Layout(IReadOnlyList<long> shape, long samples)
    {
        long total = 1;
        foreach (long d in shape) total *= d;
        if (shape.Count == 3 && shape[2] > 1) return (shape[0] * shape[1], (int)shape[2], 1, 1);
        if (shape.Count == 4 && shape[1] > 1) return (shape[0] * shape[2] * shape[3], (int)shape[1], (int)(shape[2] * shape[3]), (int)(shape[2] * shape[3]));
        return (samples, (int)(total / Math.Max(1, samples)), 1, 1);
    }

    /// <summary>
    /// The top-1 class of every position of <see cref="Layout"/>; for one score per position (a mask,
    /// <see cref="IsMask"/>: no class axis to take the largest of) whether each position is above
    /// <paramref name="threshold"/> (<see cref="MaskThreshold"/> of the original's values).
    /// </summary>
    public static int[] Top1(double[] values, IReadOnlyList<long> shape, long samples, double? threshold = null)
    {
        if (threshold is double t && IsMask(shape) && shape.Aggregate(1L, (a, d) => a * d) == values.Length)
        {
            var sides = new int[values.Length];
            for (int i = 0; i < values.Length; i++) sides[i] = values[i] > t ? 1 : 0;
            return sides;
        }
        var (positions, classes, stride, inner) = Layout(shape, samples);
        if (positions <= 0 || classes <= 0 || positions * classes != values.Length) return Top1(values, samples);
        var result = new int[positions];
        for (long p = 0; p < positions; p++)
        {
            // Position p = (outer, offset within a class plane); class c sits at base + c·stride.
            long outer = p / inner, within = p % inner;
            long start = outer * classes * inner + within;
            result[p] = ArgMax.Of<double>(values, start, classes, stride);
        }
        return result;
    }

    /// <summary>
    /// One score per position: a one-channel map with more than one pixel, [N, 1, H, W] or NHWC
    /// [N, H, W, 1] (H and W both above 1, so a pooled [N, C, 1, 1] is not one), or one score per
    /// anchor or frame [N, K, 1].
    /// </summary>
    public static bool IsMask(IReadOnlyList<long> shape) => shape.Count switch
    {
        4 => (shape[1] == 1 && shape[2] * shape[3] > 1) || (shape[3] == 1 && shape[1] > 1 && shape[2] > 1),
        3 => shape[2] == 1 && shape[1] > 1,
        _ => false,
    };

    /// <summary>
    /// Where one score per position splits the positions in two: 0.5 for probabilities (every value of the
    /// original within [0, 1], as after a Sigmoid), else 0 (logits).
    /// </summary>
    public static double MaskThreshold(double[] original)
    {
        foreach (double v in original)
            if (!(v >= 0 && v <= 1)) return 0;
        return 0.5;
    }

    /// <summary>For each sample (first dimension), the index of the largest value among its elements.</summary>
    public static int[] Top1(double[] values, long samples)
    {
        if (samples <= 0 || values.Length == 0) return [];
        int row = (int)(values.Length / samples);
        var result = new int[samples];
        for (int s = 0; s < samples; s++) result[s] = ArgMax.Of<double>(values, (long)s * row, row);
        return result;
    }

    private static double[] Convert<T>(ReadOnlySpan<T> span, Func<T, double> f)
    {
        var result = new double[span.Length];
        for (int i = 0; i < span.Length; i++) result[i] = f(span[i]);
        return result;
    }
}
