using ModelOpt.Engine.Config;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// The original and the candidate run on the same samples with the same ONNX Runtime settings.
/// Accuracies are percentages; the drop is in points (original − candidate). Agreement is the
/// share of positions whose class is the same in both, over the outputs with a class axis (the
/// lowest of them; 1 when none has one, <see cref="HasClassAxis"/>): samples for a classifier,
/// frames for a sequence of class scores [N, T, C], pixels for a map [N, C, H, W]; for a mask
/// [N, 1, H, W], pixels on the same side of 0.5 (probabilities) or 0 (logits). Every output keeps
/// its figures per sample too (<see cref="OutputComparison"/>), which the budgets are judged on.
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

    /// <summary>Each sample's name (its file), in the order of the per-sample figures.</summary>
    public IReadOnlyList<string> SampleNames { get; init; } = [];

    /// <summary>With labels: per sample, whether the original's top-1 class (of <see cref="AccuracyOutput"/>) is the label.</summary>
    public IReadOnlyList<bool>? BaselineHits { get; init; }

    /// <summary>With labels: per sample, whether the candidate's top-1 class is the label.</summary>
    public IReadOnlyList<bool>? CandidateHits { get; init; }

    /// <summary>The output accuracy was measured on: the first taken for classes.</summary>
    public string? AccuracyOutput { get; init; }

    /// <summary>Whether labels came with the samples (accuracy is measured only where an output has a class axis).</summary>
    public bool LabelsGiven { get; init; }

    /// <summary>Whether any output compared has a class axis, so that agreement means something.</summary>
    public bool HasClassAxis => Outputs.Any(o => o.HasClassAxis);

    /// <summary>The lowest pooled cosine over the outputs (one cosine over all samples' values); budgets judge per sample.</summary>
    public double MinCosine => LowestOutput is { } lowest ? OutputComparison.CosineOrWorst(lowest.Cosine) : 1;

    /// <summary>The output whose pooled cosine is <see cref="MinCosine"/>: the one to name when a budget breaks (it may be one the application never reads).</summary>
    public OutputComparison? LowestOutput => Outputs.MinBy(o => OutputComparison.CosineOrWorst(o.Cosine));

    /// <summary>The lowest cosine of any one sample over the outputs, the output and the sample's name; null without per-sample figures.</summary>
    public (double Cosine, OutputComparison Output, string Sample)? WorstSample
    {
        get
        {
            var candidates = Outputs.Where(o => o.WorstCosineSample >= 0).ToList();
            if (candidates.Count == 0) return null;
            var output = candidates.MinBy(o => OutputComparison.CosineOrWorst(o.SampleCosines[o.WorstCosineSample]))!;
            int index = output.WorstCosineSample;
            return (OutputComparison.CosineOrWorst(output.SampleCosines[index]), output, SampleName(index));
        }
    }

    /// <summary>The name of sample <paramref name="index"/>.</summary>
    public string SampleName(int index) => index >= 0 && index < SampleNames.Count ? SampleNames[index] : $"#{index}";

    public double? Speedup => BaselineLatency is { } a && CandidateLatency is { } b && b.MedianSeconds > 0 ? a.MedianSeconds / b.MedianSeconds : null;

    /// <summary>
    /// One line of what the comparison found, for the console and build logs: e.g. <c>compared with the
    /// original on 2,000 samples: accuracy 97.95 % → 97.90 % (-0.05 points), agreement 0.9965,
    /// cosine 0.99871 at the worst sample 'digits.npy[17]' (pooled 0.99998), speed-up 1.02× (median);
    /// outputs taken for: logits classes</c>. Agreement only where an output has a class axis.
    /// </summary>
    public string Summary()
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var parts = new List<string>();
        if (BaselineAccuracy is double a && CandidateAccuracy is double b)
            parts.Add(string.Format(culture, "accuracy {0:0.00} % → {1:0.00} % ({2})", a, b, ReportNumbers.AccuracyChange(a, b)));
        if (HasClassAxis) parts.Add("agreement " + ReportNumbers.Agreement(Agreement));
        if (WorstSample is var (worst, output, sample))
            parts.Add(string.Format(culture, "cosine {0:0.#####} at the worst sample '{1}'{2} (pooled {3:0.#####})", worst, sample,
                Outputs.Count > 1 ? $" of output '{output.Name}'" : "", OutputComparison.CosineOrWorst(output.Cosine)));
        else parts.Add(string.Format(culture, "cosine {0:0.#####}{1}", MinCosine, Outputs.Count > 1 ? $" (lowest: output '{LowestOutput!.Name}')" : ""));
        if (Speedup is double s) parts.Add(string.Format(culture, "speed-up {0:0.##}× (median)", s));
        string kinds = Outputs.Count == 0 ? "" : "; outputs taken for: " + string.Join(", ", Outputs.Select(o => $"{o.Name} {OutputKinds.Name(o.Kind)}"));
        return string.Format(culture, "compared with the original on {0:N0} {1}samples: {2}{3}", Samples, Synthetic ? "synthetic " : "", string.Join(", ", parts), kinds);
    }
}
