namespace ModelOpt.Engine.Numerics;

/// <summary>
/// Cosine similarity, the one definition every budget, comparison and calibration choice reads:
/// sums in double (float sums drift on large maps), 1 when both sides are all zeros (a mask of
/// nothing in both is agreement), 0 when only one is, clamped to [-1, 1] against rounding.
/// </summary>
public static class CosineSimilarity
{
    /// <summary>The cosine of two equally long vectors.</summary>
    public static double Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"cosine of {a.Length} and {b.Length} elements.");
        var sums = new CosineSums();
        sums.Add(a, b);
        return sums.Value;
    }

    /// <summary>The cosine from the dot product and both squared norms.</summary>
    public static double FromSums(double dot, double normA, double normB) =>
        Math.Clamp(normA == 0 && normB == 0 ? 1 : normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB), -1, 1);
}

/// <summary>Running sums for a cosine pooled over several pieces (samples, batches) of one output.</summary>
public struct CosineSums
{
    public double Dot;
    public double NormA;
    public double NormB;

    public void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            Dot += (double)a[i] * b[i];
            NormA += (double)a[i] * a[i];
            NormB += (double)b[i] * b[i];
        }
    }

    public readonly double Value => CosineSimilarity.FromSums(Dot, NormA, NormB);
}
