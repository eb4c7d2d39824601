namespace ModelOpt.Engine.Budgets;

/// <summary>Whether a budget caps a figure from above or from below.</summary>
public enum BudgetDirection
{
    AtMost,
    AtLeast,
}

/// <summary>
/// One kind of budget: its <c>modelopt.json</c> key (also the MSBuild metadata name), its
/// command-line option, which way it limits, and what it measures.
/// </summary>
public sealed record BudgetDefinition(string Key, string Option, BudgetDirection Direction, QuantityKind Kind, string Measures)
{
    /// <summary>The <c>OnnxModel</c> item metadata (and, with <c>ModelOpt</c> before it, the MSBuild property): the key with a capital, <c>MaxSize</c>.</summary>
    public string MetadataName => char.ToUpperInvariant(Key[0]) + Key[1..];

    public static BudgetDefinition MaxAccuracyDrop { get; } = new("maxAccuracyDrop", "--max-accuracy-drop", BudgetDirection.AtMost, QuantityKind.Points, "top-1 accuracy drop in points (needs labels)");
    public static BudgetDefinition MinAgreement { get; } = new("minAgreement", "--min-agreement", BudgetDirection.AtLeast, QuantityKind.Fraction, "top-1 agreement with the original (outputs with a class axis)");
    public static BudgetDefinition MinCosine { get; } = new("minCosine", "--min-cosine", BudgetDirection.AtLeast, QuantityKind.Fraction, "cosine similarity of the outputs per sample (the lowest over outputs and samples, or the cosinePercentile)");
    public static BudgetDefinition MaxFlops { get; } = new("maxFlops", "--max-flops", BudgetDirection.AtMost, QuantityKind.Flops, "FLOPs per run");
    public static BudgetDefinition MaxParams { get; } = new("maxParams", "--max-params", BudgetDirection.AtMost, QuantityKind.Count, "parameters");
    public static BudgetDefinition MaxSize { get; } = new("maxSize", "--max-size", BudgetDirection.AtMost, QuantityKind.Bytes, "model file size");
    public static BudgetDefinition MinFlopReduction { get; } = new("minFlopReduction", "--min-flop-reduction", BudgetDirection.AtLeast, QuantityKind.Ratio, "original FLOPs ÷ optimized FLOPs");
    public static BudgetDefinition MaxLatencyMs { get; } = new("maxLatencyMs", "--max-latency-ms", BudgetDirection.AtMost, QuantityKind.Milliseconds, "median latency");
    public static BudgetDefinition MinSpeedup { get; } = new("minSpeedup", "--min-speedup", BudgetDirection.AtLeast, QuantityKind.Ratio, "original median latency ÷ optimized median latency");

    /// <summary>Every budget, in the order reports list them.</summary>
    public static IReadOnlyList<BudgetDefinition> All { get; } =
        [MaxAccuracyDrop, MinAgreement, MinCosine, MaxFlops, MaxParams, MaxSize, MinFlopReduction, MaxLatencyMs, MinSpeedup];

    /// <summary>Budgets that compare the optimized model's outputs with the original's.</summary>
    public bool NeedsOutputs => Kind is QuantityKind.Points or QuantityKind.Fraction;

    /// <summary>Budgets that need the original model as a reference.</summary>
    public bool NeedsBaseline => NeedsOutputs || Kind == QuantityKind.Ratio;

    public bool NeedsLatency => Kind == QuantityKind.Milliseconds || this == MinSpeedup;

    public static BudgetDefinition? FindByKey(string key) => All.FirstOrDefault(d => d.Key == key);
}
