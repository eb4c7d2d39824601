namespace ModelOpt.Validation.Comparison;

/// <summary>How far one output of the candidate is from the original's, over every sample.</summary>
public sealed record OutputComparison(string Name, long Elements, double MaxAbsError, double MeanAbsError, double Cosine);

/// <summary>
/// Accumulates the error between two streams of the same output batch by batch, so the whole set
/// is never held: sums for the mean and the cosine, a running maximum for the worst element.
/// </summary>
internal sealed class OutputStatistics(string name)
{
    private long _count;
    private double _maxAbs, _sumAbs, _dot, _normA, _normB;
    private bool _nonFinite;

    public void Add(ReadOnlySpan<double> original, ReadOnlySpan<double> candidate)
    {
        if (original.Length != candidate.Length)
            throw new InvalidOperationException($"output '{name}' has {original.Length} elements in the original and {candidate.Length} in the candidate.");
        for (int i = 0; i < original.Length; i++)
        {
            double a = original[i], b = candidate[i];
            double diff = Math.Abs(a - b);
            if (double.IsNaN(diff))
            {
                // NaN in the same place in both is agreement; anywhere else it is the worst error.
                if (!(double.IsNaN(a) && double.IsNaN(b))) _nonFinite = true;
                continue;
            }
            if (diff > _maxAbs) _maxAbs = diff;
            _sumAbs += diff;
            _dot += a * b;
            _normA += a * a;
            _normB += b * b;
        }
        _count += original.Length;
    }

    public OutputComparison Result()
    {
        double cosine = _normA == 0 && _normB == 0 ? 1 : _normA == 0 || _normB == 0 ? 0 : _dot / Math.Sqrt(_normA * _normB);
        return _nonFinite
            ? new OutputComparison(name, _count, double.PositiveInfinity, double.PositiveInfinity, double.NaN)
            : new OutputComparison(name, _count, _maxAbs, _count == 0 ? 0 : _sumAbs / _count, Math.Clamp(cosine, -1, 1));
    }
}
