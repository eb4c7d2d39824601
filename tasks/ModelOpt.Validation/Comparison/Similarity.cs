namespace ModelOpt.Validation.Comparison;

/// <summary>Cosine similarity of two whole outputs, accumulated in double (float sums drift on large maps).</summary>
public static class Similarity
{
    /// <summary>1 when both are all zeros, 0 when only one is.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"cosine of {a.Length} and {b.Length} elements.");
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        return aa == 0 && bb == 0 ? 1 : aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
    }
}
