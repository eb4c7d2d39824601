namespace ModelOpt.Validation.Comparison;

/// <summary>
/// The original and the candidate run on the same samples with the same ONNX Runtime settings.
/// Accuracies are percentages; the drop is in points (original − candidate). Agreement is the
/// fraction of samples whose top-1 class (of the first output) is the same in both.
/// </summary>
public sealed record ComparisonResult(
    int Samples,
    string SampleDescription,
    bool Synthetic,
    double? BaselineAccuracy,
    double? CandidateAccuracy,
    double Agreement,
    IReadOnlyList<OutputComparison> Outputs,
    LatencyResult? BaselineLatency,
    LatencyResult? CandidateLatency,
    double RuntimeSeconds,
    double TotalSeconds)
{
    public double? AccuracyDrop => BaselineAccuracy - CandidateAccuracy;

    /// <summary>The ONNX Runtime session options both models ran (and were timed) under.</summary>
    public OrtSessionSettings? Session { get; init; }

    /// <summary>The lowest cosine over the outputs: a budget on cosine holds for every output.</summary>
    public double MinCosine => Outputs.Count == 0 ? 1 : Outputs.Min(o => double.IsNaN(o.Cosine) ? -1 : o.Cosine);

    public double? Speedup => BaselineLatency is { } a && CandidateLatency is { } b && b.MedianSeconds > 0 ? a.MedianSeconds / b.MedianSeconds : null;
}
