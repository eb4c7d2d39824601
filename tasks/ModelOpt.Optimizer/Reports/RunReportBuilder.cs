using System.Globalization;
using System.Reflection;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Optimizer;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer.Reports;

/// <summary>Who made a report and how: the command, the folder its paths are relative to, the settings, and where the candidate ended up.</summary>
public sealed record ReportContext
{
    /// <summary><c>optimize</c>, <c>validate</c>, <c>check</c> or <c>build</c>.</summary>
    public required string Command { get; init; }

    /// <summary>The project folder (build) or the current folder (tool).</summary>
    public required string BaseDirectory { get; init; }

    public ReportSettings Settings { get; init; } = new();

    /// <summary>Where the candidate is for its user when that is not where it was written (the build's bin/ copy of obj/).</summary>
    public string? CandidatePath { get; init; }

    /// <summary>Null: now (or <c>SOURCE_DATE_EPOCH</c>).</summary>
    public DateTimeOffset? Created { get; init; }
}

/// <summary>Turns what a run found (<see cref="OptimizeResult"/>, <see cref="ValidationReport"/>) into the one <see cref="RunReport"/> every writer shares.</summary>
public static class RunReportBuilder
{
    private static readonly Lazy<ReportTool> ToolInfo = new(() => new ReportTool("ModelOpt",
        typeof(RunReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RunReport).Assembly.GetName().Version?.ToString() ?? "unknown"));

    public static ReportTool Tool => ToolInfo.Value;

    /// <summary>A successful optimization: the model was written to <see cref="OptimizeResult.OutputPath"/>.</summary>
    public static RunReport From(OptimizeResult result, ReportContext context)
    {
        var paths = Paths(context, result.ModelPath, result.OutputPath);
        var validation = result.Validation;
        var baseline = validation is null
            ? new ReportModel(paths.Relative(result.ModelPath)!, result.Before.Flops, result.Before.Parameters, result.SourceBytes, result.Before.Nodes)
            : Model(paths.Relative(result.ModelPath)!, validation.BaselineFootprint, result.Before.Nodes);
        var candidate = new ReportModel(paths.Relative(context.CandidatePath ?? result.OutputPath)!, result.After.Flops, result.After.Parameters, result.OutputBytes, result.After.Nodes);
        var notes = result.Notes.Concat(validation?.Notes ?? []).Distinct().Select(paths.Text).ToList();
        return Common(context, paths, validation) with
        {
            Baseline = baseline,
            Candidate = candidate,
            Written = true,
            FlopReduction = Reduction(result.Before.Flops, result.After.Flops),
            FlopChange = Change(result.Before.Flops, result.After.Flops),
            Passes = result.Passes.Select(p => Pass(p, paths)).ToList(),
            Calibration = result.CalibrationDescription is { } c ? paths.Text(c) : null,
            Search = result.SearchLog.Select(paths.Text).ToList(),
            Warnings = result.Warnings.Select(w => Warning(w, paths)).ToList(),
            Notes = notes,
            Runtime = result.Runtime is { } r ? Runtime(OrtSessionSettings.From(r), r.ResolvedMemoryCapBytes) : Runtime(validation?.Comparison?.Session),
            Plan = result.Plan is { } plan ? Plan(plan, result, paths) : null,
        };
    }

    private static ReportPlan Plan(Engine.Plan.OptimizationPlan plan, OptimizeResult result, ReportPaths paths) => new(
        plan.Passes,
        Engine.Plan.DeployCpus.Key(plan.DeployCpu),
        result.LockPath is { } lockPath ? paths.Relative(lockPath) : null,
        result.Replayed,
        plan.Nodes.Select(n => new ReportDecision(n.Node, n.Pass, n.Label)).ToList(),
        plan.Quantization is { } q ? new ReportQuantization(q.Calibration, q.PairSafeWeights ? "pair-safe" : "full-range", q.Tensors.Count) : null,
        plan.Passes.Contains(Engine.Passes.Quantize.QuantizePass.PassName) ? Engine.Plan.BuildCpu.CannotCheck(plan.DeployCpu) : null);

    /// <summary>
    /// A validation (<c>validate</c>, <c>check</c>) or an optimization whose result broke a budget
    /// (<paramref name="written"/> false; <paramref name="baselinePath"/> and <paramref name="candidatePath"/> name the files).
    /// </summary>
    public static RunReport From(ValidationReport report, ReportContext context, string? baselinePath = null, string? candidatePath = null, bool? written = null)
    {
        string baseline = baselinePath ?? report.Baseline;
        string candidate = candidatePath ?? context.CandidatePath ?? report.Candidate;
        var paths = Paths(context, baseline, candidate);
        bool single = report.IsSingleModel;
        return Common(context, paths, report) with
        {
            Baseline = Model(paths.Relative(baseline)!, report.BaselineFootprint) with { LatencyMs = single ? Latency(report.Comparison?.CandidateLatency) : null },
            Comparison = single || report.Comparison is not { } c ? null : Comparison(c, paths),
            Candidate = single ? null : Model(paths.Relative(candidate)!, report.CandidateFootprint),
            Written = written,
            FlopReduction = single ? null : Reduction(report.BaselineFootprint.Flops, report.CandidateFootprint.Flops),
            FlopChange = single ? null : Change(report.BaselineFootprint.Flops, report.CandidateFootprint.Flops),
            Passes = report.Passes.Select(p => Pass(p, paths)).ToList(),
            Search = report.SearchLog.Select(paths.Text).ToList(),
            Warnings = report.Warnings.Select(w => Warning(w, paths)).ToList(),
            Notes = report.Notes.Select(paths.Text).ToList(),
        };
    }

    /// <summary>The settings of an optimize run (tool or build), paths relative to the report's folder.</summary>
    public static ReportSettings Settings(OptimizeOptions options, string baseDirectory)
    {
        var paths = new ReportPaths(baseDirectory);
        return new ReportSettings
        {
            Passes = options.Passes,
            Config = paths.Relative(options.ConfigPath),
            Data = paths.Relative(options.DataPath),
            Labels = paths.Relative(options.LabelsPath),
            Shapes = options.Shapes.Count == 0 ? null : options.Shapes,
            CalibrationSamples = options.CalibrationSamples,
            Seed = options.Seed,
            Search = options.Search,
            SearchSeconds = options.Search ? (int)options.SearchTime.TotalSeconds : null,
            Budgets = Budgets(options.Budgets),
            OutputKinds = options.OutputKinds.Count == 0 ? null : options.OutputKinds,
            FidelityFloor = options.FidelityFloor,
        };
    }

    /// <summary>Budgets as given, key → limit with its unit; null when none was.</summary>
    /// <summary>Budgets as given, key → limit with its unit, and the judging settings given (confidence, cosinePercentile); null when none was.</summary>
    public static IReadOnlyDictionary<string, string>? Budgets(BudgetSet budgets)
    {
        var given = budgets.All.ToDictionary(b => b.Definition.Key, b => Quantity.Format(b.Limit, b.Definition.Kind));
        foreach (var (key, value) in budgets.JudgingSettings()) given[key] = value;
        return given.Count == 0 ? null : given;
    }

    /// <summary>When a report is made: <c>SOURCE_DATE_EPOCH</c> (reproducible builds) when set, else now; UTC, to the second.</summary>
    public static string Timestamp(DateTimeOffset? at = null)
    {
        var time = at ?? (long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long epoch)
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : DateTimeOffset.UtcNow);
        return time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static ReportPaths Paths(ReportContext context, params string?[] files)
    {
        var paths = new ReportPaths(context.BaseDirectory);
        foreach (var file in files) paths.Knowing(file);
        paths.Knowing(context.CandidatePath);
        return paths;
    }

    private static RunReport Common(ReportContext context, ReportPaths paths, ValidationReport? validation) => new()
    {
        Tool = Tool,
        Command = context.Command,
        Created = Timestamp(context.Created),
        Settings = context.Settings,
        Baseline = new ReportModel("", null, 0, 0),
        AllBudgetsKept = validation?.AllKept ?? true,
        Budgets = validation?.Verdicts.Select(v => Budget(v, paths, context.Command == "build" ? Engine.Config.FrontEnd.MSBuild : Engine.Config.FrontEnd.CommandLine)).ToList() ?? [],
        Comparison = validation?.Comparison is { } c ? Comparison(c, paths) : null,
        Runtime = Runtime(validation?.Comparison?.Session),
        Layers = validation?.Layers.Select(l => new ReportLayer(l.Name, l.OpType, l.FlopsBefore, l.FlopsAfter, l.Status, l.Why is null ? null : paths.Text(l.Why))).ToList() ?? [],
    };

    private static ReportRuntime? Runtime(OrtSessionSettings? session, long? memoryCap = null) =>
        session is null ? null : new ReportRuntime(session.ExecutionProvider, session.IntraOpThreads, session.GraphOptimization, memoryCap);

    private static ReportModel Model(string path, ModelFootprint footprint, int? nodes = null) =>
        new(path, footprint.Flops, footprint.Parameters, footprint.Bytes, nodes);

    private static double? Reduction(long? before, long? after) =>
        before is long b && after is long a && a > 0 ? ReportNumbers.Ratio((double)b / a) : null;

    private static string? Change(long? before, long? after) =>
        before is long b && after is long a ? ReportNumbers.Change(b, a) : null;

    // The build's report names the item metadata (MaxSize), the tool's the flag: as each user wrote it.
    private static ReportBudget Budget(BudgetVerdict v, ReportPaths paths, Engine.Config.FrontEnd frontEnd)
    {
        var d = v.Budget.Definition;
        return new ReportBudget(
            d.Key, d.Option, d.Direction == BudgetDirection.AtMost ? "atMost" : "atLeast", ReportNumbers.Unit(d.Kind),
            ReportNumbers.Budget(v.Budget.Limit, d.Kind), v.Measured is double m ? ReportNumbers.Budget(m, d.Kind) : null,
            Quantity.Format(v.Budget.Limit, d.Kind), v.Measured is double measured ? Quantity.Format(measured, d.Kind) : "not measured",
            v.Kept, v.Culprit is null ? null : paths.Text(v.Culprit), v.Note is null ? null : paths.Text(v.Note), paths.Text(v.Message(frontEnd)))
        {
            Confidence = v.Estimate is { HasBound: true } e ? e.Confidence : null,
            Bound = v.Estimate is { HasBound: true } b ? ReportNumbers.Budget(b.Bound, d.Kind) : null,
            Method = v.Estimate?.Method is { } method ? paths.Text(method) : null,
            Statistic = v.Estimate?.Statistic,
            WorstSample = v.Estimate?.WorstSample,
            WorstValue = v.Estimate?.WorstValue is double w ? ReportNumbers.Budget(w, d.Kind) : null,
            Pooled = v.Estimate?.Pooled is double p ? ReportNumbers.Budget(p, d.Kind) : null,
            Asked = v.Budget.Asked is double asked ? ReportNumbers.Budget(asked, d.Kind) : null,
            Output = v.Estimate?.Output,
            Samples = v.Estimate?.Samples,
            JudgedLimit = v.JudgedLimit is double j ? ReportNumbers.Budget(j, d.Kind) : null,
        };
    }

    private static ReportComparison Comparison(ComparisonResult c, ReportPaths paths) => new(
        c.Samples,
        paths.Text(c.SampleDescription),
        c.Synthetic,
        c.BaselineAccuracy is double a ? ReportNumbers.Points(a) : null,
        c.CandidateAccuracy is double b ? ReportNumbers.Points(b) : null,
        c.AccuracyDrop is double d ? ReportNumbers.Points(d) : null,
        c.HasClassAxis ? ReportNumbers.Fraction(c.Agreement) : null,
        c.Outputs.Select(o => Output(o, c)).ToList(),
        Latency(c.BaselineLatency),
        Latency(c.CandidateLatency),
        c.Speedup is double s ? ReportNumbers.Ratio(s) : null)
    {
        WorstSampleCosine = c.WorstSample is var (cosine, _, _) ? ReportNumbers.Fraction(cosine) : null,
        WorstSample = c.WorstSample is var (_, _, sample) ? sample : null,
        WorstSampleOutput = c.WorstSample is var (_, output, _) ? output.Name : null,
        AccuracyOutput = c.AccuracyOutput,
    };

    private static ReportOutput Output(OutputComparison o, ComparisonResult c) =>
        new(o.Name, o.Elements, ReportNumbers.Error(o.MaxAbsError), ReportNumbers.Error(o.MeanAbsError), double.IsFinite(o.Cosine) ? ReportNumbers.Fraction(o.Cosine) : null)
        {
            Kind = Engine.Config.OutputKinds.Name(o.Kind),
            KindReason = o.KindReason.Length > 0 ? o.KindReason : null,
            Agreement = o.Agreement is double a ? ReportNumbers.Fraction(a) : null,
            WorstSampleCosine = o.WorstCosineSample >= 0 ? ReportNumbers.Fraction(OutputComparison.CosineOrWorst(o.SampleCosines[o.WorstCosineSample])) : null,
            WorstCosineSample = o.WorstCosineSample >= 0 ? c.SampleName(o.WorstCosineSample) : null,
            WorstSampleMaxAbsError = o.WorstErrorSample >= 0 ? ReportNumbers.Error(o.SampleMaxAbsErrors[o.WorstErrorSample]) : null,
            WorstErrorSample = o.WorstErrorSample >= 0 ? c.SampleName(o.WorstErrorSample) : null,
        };

    private static ReportLatency? Latency(LatencyResult? l) =>
        l is null ? null : new ReportLatency(ReportNumbers.Milliseconds(l.MedianSeconds * 1000), ReportNumbers.Milliseconds(l.P90Seconds * 1000));

    private static ReportPass Pass(PassReport p, ReportPaths paths) => new(
        p.Pass, p.Changed, p.NodesTouched, Figures(p.Before), Figures(p.After), ReportNumbers.Seconds(p.Duration.TotalSeconds), p.Notes.Select(paths.Text).ToList());

    private static ReportFigures Figures(ModelFigures f) => new(f.Nodes, f.Parameters, f.Flops);

    private static ReportWarning Warning(ModelOptWarning w, ReportPaths paths) => new(w.Code.Text(), paths.Relative(w.File), paths.Text(w.Message));
}
