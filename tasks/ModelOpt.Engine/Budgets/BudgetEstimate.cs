namespace ModelOpt.Engine.Budgets;

/// <summary>
/// What the samples say about an output budget's figure: the figure measured on them, and the
/// one-sided bound at <see cref="Confidence"/> on what unseen samples would measure. A budget is
/// kept when its bound keeps it (<see cref="BudgetMeasurements.Evaluate"/>).
/// </summary>
public sealed record BudgetEstimate(double Measured, double Bound, double Confidence)
{
    /// <summary>How many samples the figure comes from.</summary>
    public int Samples { get; init; }

    /// <summary>
    /// The strictest limit these samples can vouch for at all (the bound of a perfect candidate),
    /// when that is looser than some limits: a budget stricter than it is judged against it instead,
    /// with a warning (<see cref="BudgetResolution"/>). Null: any limit can be resolved.
    /// </summary>
    public double? Resolvable { get; init; }

    /// <summary>Which per-sample figure <see cref="Measured"/> is, e.g. <c>the worst sample</c> or <c>the 5th percentile of samples</c>; null for a count over all samples.</summary>
    public string? Statistic { get; init; }

    /// <summary>The sample that measured worst (its file name), when a per-sample figure is judged.</summary>
    public string? WorstSample { get; init; }

    /// <summary>The worst sample's own figure, when <see cref="Measured"/> is another statistic (a percentile) and the worst is named beside it.</summary>
    public double? WorstValue { get; init; }

    /// <summary>The output the figure is of, when there are several.</summary>
    public string? Output { get; init; }

    /// <summary>The figure pooled over every sample (one cosine over all of them), shown beside the per-sample one.</summary>
    public double? Pooled { get; init; }

    /// <summary>How the bound was made, for reports: e.g. <c>exact (Clopper–Pearson)</c>.</summary>
    public string? Method { get; init; }

    /// <summary>Whether <see cref="Bound"/> differs from <see cref="Measured"/> (the worst sample is its own bound).</summary>
    public bool HasBound => Bound != Measured || Method is not null;
}
