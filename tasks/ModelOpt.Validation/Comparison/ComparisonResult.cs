namespace ModelOpt.Validation.Comparison;

/// <summary>
/// The original and the candidate run on the same samples with the same ONNX Runtime settings.
/// Accuracies are percentages; the drop is in points (original − candidate). Agreement is the
/// fraction of positions whose top-1 class (of the first output) is the same in both: samples for
/// a classifier, frames for a sequence of class scores [N, T, C], pixels for a map [N, C, H, W];
/// for a one-channel mask [N, 1, H, W], pixels on the same side of 0.5 (probabilities) or 0 (logits).
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

    /// <summary>How many positions the agreement counted: the samples, or their frames or pixels (<see cref="Agreement"/>).</summary>
    public long Positions { get; init; }

    /// <summary>The ONNX Runtime session options both models ran (and were timed) under.</summary>
    public OrtSessionSettings? Session { get; init; }

    /// <summary>The lowest cosine over the outputs: a budget on cosine holds for every output.</summary>
    public double MinCosine => LowestOutput is { } lowest ? CosineOrWorst(lowest) : 1;

    /// <summary>The output whose cosine is <see cref="MinCosine"/>: the one to name when a budget breaks (it may be one the application never reads).</summary>
    public OutputComparison? LowestOutput => Outputs.MinBy(CosineOrWorst);

    // A candidate that produced NaN or infinity where the original did not is as far from it as can be.
    private static double CosineOrWorst(OutputComparison output) => double.IsNaN(output.Cosine) ? -1 : output.Cosine;

    public double? Speedup => BaselineLatency is { } a && CandidateLatency is { } b && b.MedianSeconds > 0 ? a.MedianSeconds / b.MedianSeconds : null;

    /// <summary>
    /// One line of what the comparison found, for the console and build logs: e.g. <c>compared with the
    /// original on 2,000 samples: accuracy 97.95 % → 97.90 % (-0.05 points), agreement 0.9965,
    /// cosine 0.99998, speed-up 1.02× (median)</c>.
    /// </summary>
    public string Summary()
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var parts = new List<string>();
        if (BaselineAccuracy is double a && CandidateAccuracy is double b)
            parts.Add(string.Format(culture, "accuracy {0:0.00} % → {1:0.00} % ({2})", a, b, Reports.ReportNumbers.AccuracyChange(a, b)));
        parts.Add("agreement " + Reports.ReportNumbers.Agreement(Agreement));
        parts.Add(string.Format(culture, "cosine {0:0.#####}{1}", MinCosine, Outputs.Count > 1 ? $" (lowest: output '{LowestOutput!.Name}')" : ""));
        if (Speedup is double s) parts.Add(string.Format(culture, "speed-up {0:0.##}× (median)", s));
        return string.Format(culture, "compared with the original on {0:N0} {1}samples: {2}", Samples, Synthetic ? "synthetic " : "", string.Join(", ", parts));
    }
}
