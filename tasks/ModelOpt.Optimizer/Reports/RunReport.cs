namespace ModelOpt.Optimizer.Reports;

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
    string Message)
{
    /// <summary>The confidence level of <see cref="Bound"/> (0–1), for output budgets judged on samples.</summary>
    public double? Confidence { get; init; }

    /// <summary>The one-sided bound on what unseen samples would measure, in <see cref="Unit"/>; the budget is kept when it keeps the limit.</summary>
    public double? Bound { get; init; }

    /// <summary>How the bound was made: e.g. <c>exact (Clopper–Pearson)</c>, <c>bootstrap over samples</c>.</summary>
    public string? Method { get; init; }

    /// <summary>The per-sample figure <see cref="ReportBudget.Measured"/> is: <c>the worst sample</c>, <c>the 5th percentile of samples</c>.</summary>
    public string? Statistic { get; init; }

    /// <summary>The worst sample's name (its file), for a figure judged per sample.</summary>
    public string? WorstSample { get; init; }

    /// <summary>The worst sample's own figure, when <see cref="ReportBudget.Measured"/> is a percentile.</summary>
    public double? WorstValue { get; init; }

    /// <summary>The figure pooled over all samples (one cosine of every value), beside the per-sample one.</summary>
    public double? Pooled { get; init; }

    /// <summary>The limit the user asked for, when the samples could not hold it and <see cref="ReportBudget.Limit"/> is the strictest they could (the limit the run judged against).</summary>
    public double? Asked { get; init; }

    /// <summary>The output the figure is of, when several were compared.</summary>
    public string? Output { get; init; }

    /// <summary>How many samples the figure comes from.</summary>
    public int? Samples { get; init; }

    /// <summary>The limit the bound was judged against when the samples cannot resolve the budget's own (the strictest they can vouch for).</summary>
    public double? JudgedLimit { get; init; }
}

/// <summary>Accuracies are percentages, the drop in points (original − candidate), agreement a fraction (absent when no output has a class axis).</summary>
public sealed record ReportComparison(
    int Samples,
    string Data,
    bool Synthetic,
    double? BaselineAccuracy,
    double? CandidateAccuracy,
    double? AccuracyDropPoints,
    double? Agreement,
    IReadOnlyList<ReportOutput> Outputs,
    ReportLatency? BaselineLatencyMs,
    ReportLatency? CandidateLatencyMs,
    double? Speedup)
{
    /// <summary>The lowest cosine of any one sample over the outputs.</summary>
    public double? WorstSampleCosine { get; init; }

    /// <summary>The sample it was measured on (its file).</summary>
    public string? WorstSample { get; init; }

    /// <summary>The output it was measured on.</summary>
    public string? WorstSampleOutput { get; init; }

    /// <summary>The output accuracy was scored on (the first taken for classes).</summary>
    public string? AccuracyOutput { get; init; }
}

/// <summary>
/// One output compared: pooled over every sample (errors and cosine; absent when the candidate produced
/// NaN or infinity where the original did not), what it was taken for, and per sample its worst.
/// </summary>
public sealed record ReportOutput(string Name, long Elements, double? MaxAbsError, double? MeanAbsError, double? Cosine)
{
    /// <summary><c>classes</c>, <c>mask</c>, <c>features</c> or <c>regression</c> (docs/validation.md, "Output kinds").</summary>
    public string? Kind { get; init; }

    /// <summary>Why: <c>given</c> (the user said), or what the detection rule saw.</summary>
    public string? KindReason { get; init; }

    /// <summary>Top-1 agreement of this output (0–1); only for an output with a class axis.</summary>
    public double? Agreement { get; init; }

    /// <summary>The lowest cosine of one sample, and that sample.</summary>
    public double? WorstSampleCosine { get; init; }

    public string? WorstCosineSample { get; init; }

    /// <summary>The largest error of one sample, and that sample (for boxes and regressions, the figure that matters).</summary>
    public double? WorstSampleMaxAbsError { get; init; }

    public string? WorstErrorSample { get; init; }
}

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

    /// <summary>What outputs were said to be (<c>OUTPUT=KIND</c>), from the command line or metadata.</summary>
    public IReadOnlyList<string>? OutputKinds { get; init; }

    /// <summary>optimize: false when the default fidelity floor was switched off from the command line or metadata (docs/validation.md).</summary>
    public bool? FidelityFloor { get; init; }
}
