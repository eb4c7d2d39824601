namespace ModelOpt.Validation.Reports;

/// <summary>
/// The one machine-readable report of a run, written by the tool (<c>optimize --report</c>,
/// <c>validate --json</c>, <c>check --json</c>) and by the MSBuild task (<c>net.report.json</c> beside
/// the optimized model), and the one source the Markdown and HTML reports are drawn from. Plain data
/// only (no engine types), so a reader needs nothing but this file to parse one: docs/report.md
/// describes every field. Paths are relative to the project (build) or the current folder (tool);
/// numbers are rounded to what they can mean (<see cref="ReportNumbers"/>).
/// </summary>
public sealed record RunReport
{
    /// <summary>Bumped when a field changes meaning or disappears; new fields keep the version.</summary>
    public const string CurrentSchema = "modelopt-report/1";

    public string Schema { get; init; } = CurrentSchema;

    public required ReportTool Tool { get; init; }

    /// <summary><c>optimize</c>, <c>validate</c>, <c>check</c> (the tool) or <c>build</c> (the MSBuild task).</summary>
    public required string Command { get; init; }

    /// <summary>When the report was made, UTC, to the second (ISO 8601); <c>SOURCE_DATE_EPOCH</c> overrides it.</summary>
    public required string Created { get; init; }

    /// <summary>What the run was asked to do (passes, config, data, budgets given, …).</summary>
    public ReportSettings Settings { get; init; } = new();

    /// <summary>The original model (for <c>check</c>: the one model checked).</summary>
    public required ReportModel Baseline { get; init; }

    /// <summary>The optimized model (where it was written) or the candidate validated; absent for <c>check</c>.</summary>
    public ReportModel? Candidate { get; init; }

    /// <summary>optimize/build: whether the candidate was written (false when a budget was broken); absent for validate/check.</summary>
    public bool? Written { get; init; }

    /// <summary>Original FLOPs ÷ candidate FLOPs (above 1: fewer); absent when either is unknown.</summary>
    public double? FlopReduction { get; init; }

    /// <summary>A plain-words verdict on the FLOPs: <c>2.01× fewer</c>, <c>1.04× more</c> or <c>no change</c>.</summary>
    public string? FlopChange { get; init; }

    public bool AllBudgetsKept { get; init; } = true;

    public IReadOnlyList<ReportBudget> Budgets { get; init; } = [];

    /// <summary>The ONNX Runtime session options every latency here was measured under (and, for optimize, the memory cap); absent when nothing ran.</summary>
    public ReportRuntime? Runtime { get; init; }

    /// <summary>Both models run on the same samples; absent when no comparison ran.</summary>
    public ReportComparison? Comparison { get; init; }

    public IReadOnlyList<ReportPass> Passes { get; init; } = [];

    /// <summary>Per layer of the original that costs FLOPs or holds weights: before, after and why.</summary>
    public IReadOnlyList<ReportLayer> Layers { get; init; } = [];

    /// <summary>optimize/build: what the run decided or replayed (docs/config.md, lock files); absent for validate/check and a run that wrote nothing.</summary>
    public ReportPlan? Plan { get; init; }

    /// <summary>The calibration data the passes used, when one needed it.</summary>
    public string? Calibration { get; init; }

    /// <summary>What the accuracy-aware search tried and kept, in order.</summary>
    public IReadOnlyList<string> Search { get; init; } = [];

    public IReadOnlyList<ReportWarning> Warnings { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The product and version that wrote the report (the package version of both the tool and the task).</summary>
public sealed record ReportTool(string Name, string Version);

/// <summary>
/// The plan: passes, the declared deployment CPU, the lock file read or written and whether it was
/// replayed, each layer decision, and static int8 in brief. <see cref="Unchecked"/>: why figures
/// measured on the build CPU may not stand for the deployment CPU's, when they may not.
/// </summary>
public sealed record ReportPlan(IReadOnlyList<string> Passes, string DeployCpu, string? Lock, bool Replayed, IReadOnlyList<ReportDecision> Layers, ReportQuantization? Quantization, string? Unchecked);

/// <summary>One layer's setting for one pass, in words (<c>rank=24</c>, <c>float</c>).</summary>
public sealed record ReportDecision(string Node, string Pass, string Setting);

/// <summary>Static int8 as written: the calibration rule, <c>pair-safe</c> or <c>full-range</c> weights, how many tensors.</summary>
public sealed record ReportQuantization(string Calibration, string Weights, int Tensors);

/// <summary>
/// A model's path and static figures: FLOPs (absent when the cost model cannot count every op),
/// parameters, file bytes, nodes; <see cref="LatencyMs"/> only for <c>check</c> (two models' latencies
/// are measured interleaved and live in <see cref="RunReport.Comparison"/>).
/// </summary>
public sealed record ReportModel(string Path, long? Flops, long Parameters, long Bytes, int? Nodes = null, ReportLatency? LatencyMs = null);

/// <summary>
/// One budget: its <c>modelopt.json</c> key and command-line option, which way it limits, the limit
/// and the measured value in the budget's base unit (<see cref="Unit"/>), the same two as text with
/// units, whether it was kept, and for a broken one what pushed it over.
/// </summary>
public sealed record ReportBudget(
    string Key,
    string Option,
    string Direction,
    string Unit,
    double Limit,
    double? Measured,
    string LimitText,
    string MeasuredText,
    bool Kept,
    string? Culprit,
    string? Note,
    string Message);

/// <summary>Accuracies are percentages, the drop in points (original − candidate), agreement a fraction.</summary>
public sealed record ReportComparison(
    int Samples,
    string Data,
    bool Synthetic,
    double? BaselineAccuracy,
    double? CandidateAccuracy,
    double? AccuracyDropPoints,
    double Agreement,
    IReadOnlyList<ReportOutput> Outputs,
    ReportLatency? BaselineLatencyMs,
    ReportLatency? CandidateLatencyMs,
    double? Speedup);

/// <summary>One output compared over every sample; errors and cosine are absent when the candidate produced NaN or infinity where the original did not.</summary>
public sealed record ReportOutput(string Name, long Elements, double? MaxAbsError, double? MeanAbsError, double? Cosine);

public sealed record ReportLatency(double Median, double P90);

/// <summary>Session options as modelopt.json's <c>runtime</c> section names them; <see cref="IntraOpThreads"/> 0 is ONNX Runtime's default (one per core).</summary>
public sealed record ReportRuntime(string ExecutionProvider, int IntraOpThreads, string GraphOptimization, long? MemoryCapBytes = null);

public sealed record ReportPass(string Pass, bool Changed, int NodesTouched, ReportFigures Before, ReportFigures After, double Seconds, IReadOnlyList<string> Notes);

public sealed record ReportFigures(int Nodes, long Parameters, long? Flops);

/// <summary><see cref="Status"/>: kept, changed, rewritten (replaced by nodes derived from it) or removed.</summary>
public sealed record ReportLayer(string Name, string OpType, long? FlopsBefore, long? FlopsAfter, string Status, string? Why);

public sealed record ReportWarning(string Code, string? File, string Message);

/// <summary>
/// The settings a run was given, as the user gave them (paths made relative); absent fields were not
/// given. Budgets here are those of the command line or MSBuild metadata; <see cref="RunReport.Budgets"/>
/// lists every budget checked, the config's included.
/// </summary>
public sealed record ReportSettings
{
    public IReadOnlyList<string>? Passes { get; init; }

    public string? Config { get; init; }

    public string? Data { get; init; }

    public string? Labels { get; init; }

    public IReadOnlyList<string>? Shapes { get; init; }

    public int? CalibrationSamples { get; init; }

    public int? Seed { get; init; }

    public bool? Search { get; init; }

    public int? SearchSeconds { get; init; }

    /// <summary>validate: at most this many samples.</summary>
    public int? Samples { get; init; }

    /// <summary>validate/check: timed runs of each model.</summary>
    public int? LatencyRuns { get; init; }

    public IReadOnlyDictionary<string, string>? Budgets { get; init; }

    /// <summary>optimize: false when the default fidelity floor was switched off from the command line or metadata (docs/validation.md).</summary>
    public bool? FidelityFloor { get; init; }
}
