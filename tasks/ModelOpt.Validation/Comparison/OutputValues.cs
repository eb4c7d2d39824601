using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Comparison;

/// <summary>An output's values as doubles (any numeric element type), and its per-sample top-1 class.</summary>
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

    /// <summary>For each sample (first dimension), the index of the largest value among its elements.</summary>
    public static int[] Top1(double[] values, long samples)
    {
        if (samples <= 0 || values.Length == 0) return [];
        int row = (int)(values.Length / samples);
        var result = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            int best = 0;
            for (int j = 1; j < row; j++)
                if (values[s * row + j] > values[s * row + best]) best = j;
            result[s] = best;
        }
        return result;
    }

    private static double[] Convert<T>(ReadOnlySpan<T> span, Func<T, double> f)
    {
        var result = new double[span.Length];
        for (int i = 0; i < span.Length; i++) result[i] = f(span[i]);
        return result;
    }
}
