using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.Config;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// How far one output of the candidate is from the original's: pooled over every sample (one cosine
/// of all values, the largest and mean error) and per sample, kept compactly (a few numbers per
/// sample, never the tensors): each sample's cosine and largest error, and for an output with a
/// class axis how many of its positions (the sample, its frames or pixels) kept their class.
/// </summary>
public sealed record OutputComparison(string Name, long Elements, double MaxAbsError, double MeanAbsError, double Cosine)
{
    /// <summary>What the output was taken for (<see cref="OutputKindRule"/>, or as the user said).</summary>
    public OutputKind Kind { get; init; } = OutputKind.Features;

    /// <summary>Why: <c>given</c>, or what the rule saw (e.g. <c>probabilities over a class axis</c>).</summary>
    public string KindReason { get; init; } = "";

    /// <summary>Per sample (in sample order): the cosine of its values; NaN where the candidate produced NaN or infinity and the original did not.</summary>
    public IReadOnlyList<double> SampleCosines { get; init; } = [];

    /// <summary>Per sample: the largest absolute error (infinity for a non-finite candidate value).</summary>
    public IReadOnlyList<double> SampleMaxAbsErrors { get; init; } = [];

    /// <summary>Per sample, for an output with a class axis: how many positions kept their class; null for other kinds.</summary>
    public IReadOnlyList<long>? SampleAgreed { get; init; }

    /// <summary>Per sample, for an output with a class axis: how many positions it has.</summary>
    public IReadOnlyList<long>? SamplePositions { get; init; }

    public bool HasClassAxis => Kind is OutputKind.Classes or OutputKind.Mask;

    /// <summary>The share of positions whose class the candidate kept, over every sample; null without a class axis.</summary>
    public double? Agreement => SampleAgreed is { } agreed && SamplePositions is { } positions && positions.Sum() is long total and > 0
        ? (double)agreed.Sum() / total : null;

    /// <summary>The index of the sample whose cosine is lowest (NaN counts as lowest); -1 without per-sample figures.</summary>
    public int WorstCosineSample => SampleCosines.Count == 0 ? -1
        : Enumerable.Range(0, SampleCosines.Count).MinBy(i => CosineOrWorst(SampleCosines[i]));

    /// <summary>The index of the sample with the largest error; -1 without per-sample figures.</summary>
    public int WorstErrorSample => SampleMaxAbsErrors.Count == 0 ? -1
        : Enumerable.Range(0, SampleMaxAbsErrors.Count).MaxBy(i => SampleMaxAbsErrors[i]);

    /// <summary>A candidate that produced NaN or infinity where the original did not is as far from it as can be.</summary>
    public static double CosineOrWorst(double cosine) => double.IsNaN(cosine) ? -1 : cosine;
}

/// <summary>
/// Accumulates the error between two streams of the same output batch by batch, so the whole set
/// is never held: sums for the mean and the cosine, a running maximum for the worst element, and
/// per sample its cosine and largest error.
/// </summary>
internal sealed class OutputStatistics(string name)
{
    private long _count;
    private double _maxAbs, _sumAbs, _dot, _normA, _normB;
    private bool _nonFinite;
    private readonly List<double> _sampleCosines = [];
    private readonly List<double> _sampleMaxAbs = [];
    private List<long>? _agreed, _positions;

    /// <summary>
    /// Adds one batch of <paramref name="samples"/> samples. When the values do not split evenly into
    /// samples (an output without a batch axis), the batch's figures stand for each of its samples.
    /// </summary>
    public void Add(ReadOnlySpan<double> original, ReadOnlySpan<double> candidate, int samples = 1)
    {
        if (original.Length != candidate.Length)
            throw new InvalidOperationException($"output '{name}' has {original.Length} elements in the original and {candidate.Length} in the candidate.");
        bool split = samples > 0 && original.Length % samples == 0 && original.Length > 0;
        int parts = split ? samples : 1;
        int row = parts == 0 ? 0 : original.Length / parts;
        for (int s = 0; s < parts; s++)
        {
            var (cosine, maxAbs) = AddRange(original.Slice(s * row, row), candidate.Slice(s * row, row));
            int repeat = split ? 1 : Math.Max(1, samples);
            for (int r = 0; r < repeat; r++)
            {
                _sampleCosines.Add(cosine);
                _sampleMaxAbs.Add(maxAbs);
            }
        }
        _count += original.Length;
    }

    /// <summary>Records how many positions of each sample of a batch kept their class (an output with a class axis).</summary>
    public void AddAgreement(IReadOnlyList<int> originalClasses, IReadOnlyList<int> candidateClasses, int samples)
    {
        _agreed ??= [];
        _positions ??= [];
        int positions = Math.Min(originalClasses.Count, candidateClasses.Count);
        bool split = samples > 0 && positions % samples == 0;
        int parts = split ? samples : 1;
        int row = parts == 0 ? 0 : positions / parts;
        for (int s = 0; s < parts; s++)
        {
            long agree = 0;
            for (int p = s * row; p < (s + 1) * row; p++)
                if (originalClasses[p] == candidateClasses[p]) agree++;
            int repeat = split ? 1 : Math.Max(1, samples);
            for (int r = 0; r < repeat; r++)
            {
                _agreed.Add(agree);
                _positions.Add(row);
            }
        }
    }

    // One sample's cosine and largest error; adds to the pooled sums on the way.
    private (double Cosine, double MaxAbs) AddRange(ReadOnlySpan<double> original, ReadOnlySpan<double> candidate)
    {
        double dot = 0, normA = 0, normB = 0, maxAbs = 0;
        bool nonFinite = false;
        for (int i = 0; i < original.Length; i++)
        {
            double a = original[i], b = candidate[i];
            double diff = Math.Abs(a - b);
            if (double.IsNaN(diff))
            {
                // NaN in the same place in both is agreement; anywhere else it is the worst error.
                if (!(double.IsNaN(a) && double.IsNaN(b))) nonFinite = true;
                continue;
            }
            if (diff > maxAbs) maxAbs = diff;
            _sumAbs += diff;
            dot += a * b;
            normA += a * a;
            normB += b * b;
        }
        if (maxAbs > _maxAbs) _maxAbs = maxAbs;
        _dot += dot;
        _normA += normA;
        _normB += normB;
        if (nonFinite)
        {
            _nonFinite = true;
            return (double.NaN, double.PositiveInfinity);
        }
        return (CosineSimilarity.FromSums(dot, normA, normB), maxAbs);
    }

    public OutputComparison Result(OutputKind kind, string why)
    {
        var result = _nonFinite
            ? new OutputComparison(name, _count, double.PositiveInfinity, double.PositiveInfinity, double.NaN)
            : new OutputComparison(name, _count, _maxAbs, _count == 0 ? 0 : _sumAbs / _count, CosineSimilarity.FromSums(_dot, _normA, _normB));
        return result with
        {
            Kind = kind,
            KindReason = why,
            SampleCosines = _sampleCosines,
            SampleMaxAbsErrors = _sampleMaxAbs,
            SampleAgreed = _agreed,
            SamplePositions = _positions,
        };
    }
}
