namespace ModelOpt.Validation.Comparison;

/// <summary>How two models are compared.</summary>
public sealed record ComparisonSettings
{
    /// <summary>Samples per run (a model whose inputs fix the batch dimension takes that many instead).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Timed runs of each model for latency (after warm-up); 0 skips latency.</summary>
    public int LatencyRuns { get; init; } = 20;

    public int WarmupRuns { get; init; } = 3;

    /// <summary>The clock latency is timed on: null, wall time (what the user sees); a search's probe times on the <see cref="DecisionClock"/>.</summary>
    public DecisionClock? LatencyClock { get; init; }

    /// <summary>
    /// Where a search keeps the original's outputs across its validations (null: the original runs every
    /// time); used only with <see cref="BaselineKey"/>, which the validator sets to what decides them.
    /// </summary>
    public BaselineOutputCache? BaselineOutputs { get; init; }

    /// <summary>What decides the original's outputs on these samples, apart from the batch: its file, the samples, the session.</summary>
    public string? BaselineKey { get; init; }

    /// <summary>Called after each batch with (samples done, samples in all): the tool draws a progress bar from it.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>A streaming model's state pairs: samples run in order, each model carrying its own state.</summary>
    public Engine.Shapes.StatePairs State { get; init; } = Engine.Shapes.StatePairs.None;

    /// <summary>The outputs compared (the application's <c>usedOutputs</c>); empty: every output of the original.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>What the user said outputs are (<c>outputKinds</c>); the others are detected (<see cref="OutputKindRule"/>).</summary>
    public Engine.Config.OutputKinds Kinds { get; init; } = Engine.Config.OutputKinds.None;
}
