using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Budgets;

/// <summary>A model to validate, as it is in memory, and its size on disk (or as it would be written).</summary>
public sealed record ModelUnderTest(Model Model, string DisplayName, long Bytes, string? FilePath = null)
{
    internal OrtModelRunner OpenRunner(OrtSessionSettings settings) =>
        FilePath is not null ? OrtModelRunner.FromFile(FilePath, settings) : OrtModelRunner.FromModel(Model, settings);
}

/// <summary>
/// Measures what budgets are checked against and checks them: the static figures of both models,
/// and, when a budget needs them (or <see cref="ValidationSettings.AlwaysCompare"/>), both models
/// run on the same samples with the same ONNX Runtime settings.
/// </summary>
public static class BudgetValidator
{
    public static ValidationReport Validate(ModelUnderTest baseline, ModelUnderTest candidate, BudgetSet budgets, ValidationSettings settings,
        Func<Budget, string?>? culprit = null, IReadOnlyDictionary<string, string>? layerReasons = null)
    {
        var notes = new List<string>();
        settings = BindFromSamples(baseline, settings, notes);
        var before = ModelFootprint.Of(baseline.Model, settings.Bindings, baseline.Bytes);
        var after = ModelFootprint.Of(candidate.Model, settings.Bindings, candidate.Bytes);

        ComparisonResult? comparison = null;
        if (settings.AlwaysCompare || budgets.NeedsOutputs || budgets.NeedsLatency)
        {
            comparison = Compare(baseline, candidate, settings with
            {
                Comparison = settings.Comparison with { LatencyRuns = settings.AlwaysCompare || budgets.NeedsLatency ? settings.Comparison.LatencyRuns : 0 },
            }, notes);
        }

        if (comparison is not null) RequireLabels(budgets, comparison, baseline.FilePath ?? baseline.DisplayName);
        var measurements = Measure(before, after, comparison, budgets);
        var verdicts = measurements.Evaluate(budgets, b => OriginalBreaks(b, before, after, comparison) ?? culprit?.Invoke(b));
        var layers = LayerChange.Compare(before.Nodes, after.Nodes, layerReasons ?? new Dictionary<string, string>());
        if (FlopsWithoutSpeed(before, after, comparison) is { } flag) notes.Add(flag);
        return new ValidationReport(baseline.DisplayName, candidate.DisplayName, before, after, comparison, verdicts, layers, notes)
        {
            Warnings = comparison is { Samples: > 0 } c ? Resolution(budgets, c, baseline.FilePath ?? baseline.DisplayName) : [],
        };
    }

    /// <summary>
    /// An accuracy budget with no labels to measure it is a usage error (exit 2), not a broken
    /// budget: the samples lack labels, or no output has a class axis to score them on.
    /// </summary>
    internal static void RequireLabels(BudgetSet budgets, ComparisonResult comparison, string file)
    {
        if (budgets[BudgetDefinition.MaxAccuracyDrop] is null || comparison.Samples == 0 || comparison.BaselineHits is not null) return;
        throw new ModelOptException(ErrorCode.LabelsMissing, file, comparison.LabelsGiven
            ? $"{SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop)} needs an output with a class axis to score the labels on, and none was taken for classes ({string.Join(", ", comparison.Outputs.Select(o => $"{o.Name}: {OutputKinds.Name(o.Kind)}"))}); name it: {OptionNames.OutputKinds.With("NAME=classes")}."
            : $"{SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop)} needs labels for the samples ({comparison.SampleDescription}): {OptionNames.Labels.With()}, or labels.* in the sample folder; or judge fidelity instead with {SettingNames.Budget(BudgetDefinition.MinCosine)} or {SettingNames.Budget(BudgetDefinition.MinAgreement)}.");
    }

    /// <summary>The warnings for output budgets these samples cannot resolve (<see cref="BudgetResolution"/>).</summary>
    internal static IReadOnlyList<ModelOptWarning> Resolution(BudgetSet budgets, ComparisonResult comparison, string file) =>
        BudgetResolution.Check(budgets, comparison.Samples, comparison.Outputs.Where(o => o.HasClassAxis).All(o => o.SamplePositions?.All(p => p == 1) ?? true))
            .Select(line => new ModelOptWarning(WarningCode.SamplesCannotResolveBudget, file, line)).ToList();

    /// <summary>
    /// A rewrite that cuts FLOPs but not latency is worth saying out loud: unstructured sparsity,
    /// a separable split of a memory-bound layer or a float island between int8 ops all look good on
    /// paper and do nothing (or harm) under ONNX Runtime.
    /// </summary>
    internal static string? FlopsWithoutSpeed(ModelFootprint before, ModelFootprint after, ComparisonResult? comparison)
    {
        if (before.Flops is not long a || after.Flops is not long b || b <= 0 || comparison?.Speedup is not double speedup) return null;
        double reduction = (double)a / b;
        if (reduction < 1.1 || speedup >= 1 + (reduction - 1) / 4) return null;
        return $"flagged: FLOPs fell {reduction:0.##}× but ONNX Runtime latency only changed {speedup:0.##}× (median); the saved FLOPs do not turn into time on this machine.";
    }

    /// <summary>The figures of a model alone (the <c>check</c> command): FLOPs, parameters, size and, when asked, latency.</summary>
    public static ValidationReport Check(ModelUnderTest model, BudgetSet budgets, ValidationSettings settings, int latencyRuns)
    {
        var notes = new List<string>();
        settings = BindFromSamples(model, settings, notes);
        var footprint = ModelFootprint.Of(model.Model, settings.Bindings, model.Bytes);
        var measurements = new BudgetMeasurements();
        measurements.Set(BudgetDefinition.MaxFlops, footprint.Flops, "the cost model could not count every node's FLOPs");
        measurements.Set(BudgetDefinition.MaxParams, footprint.Parameters);
        measurements.Set(BudgetDefinition.MaxSize, footprint.Bytes);
        LatencyResult? latency = null;
        if (latencyRuns > 0)
        {
            // The first of the user's samples when there are any, as the model will be run.
            var inputs = RunInputs.For(model.Model, model.FilePath ?? model.DisplayName, settings.DataPath, settings.Seed).Tensors;
            using var runner = model.OpenRunner(settings.Session);
            latency = LatencyMeter.Measure(() => runner.Run(inputs), settings.Comparison.WarmupRuns, latencyRuns);
            measurements.Set(BudgetDefinition.MaxLatencyMs, latency.MedianSeconds * 1000);
        }
        var comparison = latency is null ? null : new ComparisonResult(0, "synthetic inputs (latency only)", true, null, null, 1, [], latency, latency, 0, 0) { Session = settings.Session };
        var layers = LayerChange.Compare(footprint.Nodes, footprint.Nodes, new Dictionary<string, string>());
        return new ValidationReport(model.DisplayName, model.DisplayName, footprint, footprint, comparison, measurements.Evaluate(budgets), layers, notes);
    }

    /// <summary>
    /// The dimensions the model leaves open (a sequence length) bound from the user's samples, as
    /// <c>optimize</c> binds them (<see cref="UserSamples.Bind"/>), when an input has one that no
    /// binding fixes and there are samples: the folder given, or <c>NAME.samples/</c> beside the model.
    /// </summary>
    private static ValidationSettings BindFromSamples(ModelUnderTest model, ValidationSettings settings, List<string> notes)
    {
        bool open = model.Model.Graph.Inputs.Any(i => i.Initializer is null && i.BoundValue is null && i.Shape is { IsFullyKnown: false } && !settings.Bindings.Shapes.ContainsKey(i.Name));
        if (!open || UserSamples.Folder(model.FilePath ?? model.DisplayName, settings.DataPath) is not { } folder || !Directory.Exists(folder)) return settings;
        return settings with { Bindings = UserSamples.Bind(model.Model, folder, settings.Bindings, notes) };
    }

    private static ComparisonResult Compare(ModelUnderTest baseline, ModelUnderTest candidate, ValidationSettings settings, List<string> notes)
    {
        using var opened = SampleSource.Open(baseline.Model, baseline.FilePath ?? baseline.DisplayName, settings.DataPath, settings.LabelsPath, settings.SampleLimit, settings.Seed, synthetic: settings.Synthetic, part: settings.Part, calibration: settings.CalibrationSamples);
        notes.Add(opened.Note);
        // Both sessions keep their arenas at the size of the largest batch they ran, so the batch
        // is sized for the two models' activations together.
        var shapes = opened.Samples.SampleShapes();
        var estimate = ActivationMemory.Of(shapes, arena: true, (baseline.Model, []), (candidate.Model, []));
        int batch = ActivationMemory.BatchSize(settings.MemoryCapBytes, estimate, settings.Comparison.BatchSize, baseline.FilePath ?? baseline.DisplayName, "validation (both models side by side)");
        using var a = baseline.OpenRunner(settings.Session);
        using var b = candidate.OpenRunner(settings.Session);
        return ModelComparer.Compare(a, b, opened.Samples, opened.Labels, settings.Comparison with { BatchSize = batch, BaselineKey = BaselineKey(baseline, settings, opened) });
    }

    // Everything that decides the original's outputs on these samples (BaselineOutputCache): a model only in memory has no key.
    private static string? BaselineKey(ModelUnderTest baseline, ValidationSettings settings, OpenedSamples opened) =>
        baseline.FilePath is not { } path || settings.Comparison.BaselineOutputs is null ? null
            : string.Join("|", Path.GetFullPath(path), File.GetLastWriteTimeUtc(path).Ticks, opened.Note, settings.DataPath, settings.Part, settings.SampleLimit,
                settings.CalibrationSamples, settings.Seed, settings.Synthetic, opened.Samples.Count,
                string.Join(";", opened.Samples.SampleShapes().Select(s => $"{s.Key}={string.Join("x", s.Value)}")), settings.Session.Describe());

    /// <summary>
    /// A limit the original model already breaks is no pass's doing, even when a pass changed the
    /// figure: share-weights that cut 1.48 MB to 375 KB did not push a 100 KB maxSize over, it fell short.
    /// </summary>
    internal static string? OriginalBreaks(Budget budget, ModelFootprint before, ModelFootprint after, ComparisonResult? comparison)
    {
        var d = budget.Definition;
        double? original = d == BudgetDefinition.MaxSize ? before.Bytes
            : d == BudgetDefinition.MaxParams ? before.Parameters
            : d == BudgetDefinition.MaxFlops ? before.Flops
            : d == BudgetDefinition.MaxLatencyMs ? comparison?.BaselineLatency?.MedianSeconds * 1000
            : null;
        double? optimized = Measure(before, after, comparison).Get(d);
        if (original is not double o || budget.IsKeptBy(o)) return null;
        string was = Quantity.Format(o, d.Kind);
        return optimized is double m && m < o
            ? $"the original model already breaks it ({was}); the passes brought it down to {Quantity.Format(m, d.Kind)}, not far enough"
            : $"the original model already breaks it ({was})";
    }

    /// <summary>
    /// The figures budgets are checked against; output figures per sample with their confidence
    /// bounds at <paramref name="rules"/>' confidence (and cosine percentile), default when null.
    /// </summary>
    internal static BudgetMeasurements Measure(ModelFootprint before, ModelFootprint after, ComparisonResult? comparison, BudgetSet? rules = null)
    {
        var m = new BudgetMeasurements();
        const string needsRun = "it needs the two models run on samples";
        rules ??= BudgetSet.None;
        if (comparison is { Samples: > 0 } c)
        {
            m.Set(BudgetDefinition.MaxAccuracyDrop, ComparisonEstimates.AccuracyDrop(c, rules.Confidence),
                $"it needs labels: {OptionNames.Labels.With()}, or labels.* in the sample folder");
            m.Set(BudgetDefinition.MinAgreement, ComparisonEstimates.Agreement(c, rules.Confidence),
                $"no output compared has a class axis ({string.Join(", ", c.Outputs.Select(o => $"{o.Name}: {OutputKinds.Name(o.Kind)}"))}); agreement means nothing for them. Judge them with {SettingNames.Budget(BudgetDefinition.MinCosine)}, or name a class output: {OptionNames.OutputKinds.With("NAME=classes")}");
            m.Set(BudgetDefinition.MinCosine, ComparisonEstimates.Cosine(c, rules.Confidence, rules.CosinePercentile) is { } cosine ? cosine : null, needsRun);
            // A comparison without per-sample figures (none ran) falls back to the pooled ones.
            if (m.Get(BudgetDefinition.MinCosine) is null) m.Set(BudgetDefinition.MinCosine, c.MinCosine);
        }
        else
        {
            m.Set(BudgetDefinition.MaxAccuracyDrop, comparison?.AccuracyDrop, needsRun);
            m.Set(BudgetDefinition.MinAgreement, comparison?.Agreement, needsRun);
            m.Set(BudgetDefinition.MinCosine, comparison?.MinCosine, needsRun);
        }
        m.Set(BudgetDefinition.MaxFlops, after.Flops, "the cost model could not count every node's FLOPs");
        m.Set(BudgetDefinition.MaxParams, after.Parameters);
        m.Set(BudgetDefinition.MaxSize, after.Bytes);
        m.Set(BudgetDefinition.MinFlopReduction, before.Flops is long a && after.Flops is long b && b > 0 ? (double)a / b : null, "the cost model could not count every node's FLOPs");
        m.Set(BudgetDefinition.MaxLatencyMs, comparison?.CandidateLatency is { } l ? l.MedianSeconds * 1000 : null, "latency was not measured");
        m.Set(BudgetDefinition.MinSpeedup, comparison?.Speedup, "latency was not measured");
        return m;
    }
}
