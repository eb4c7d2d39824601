using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer;

/// <summary>What an optimization run did: each pass's report, the model before and after, the budget check, and notes.</summary>
public sealed record OptimizeResult(
    string ModelPath,
    string OutputPath,
    IReadOnlyList<PassReport> Passes,
    ModelFigures Before,
    ModelFigures After,
    long SourceBytes,
    long OutputBytes,
    string? CalibrationDescription,
    IReadOnlyList<string> Notes)
{
    /// <summary>The ONNX Runtime session options every latency of this run was measured under, and the memory cap batches were sized by.</summary>
    public Engine.Config.RuntimeConfig? Runtime { get; init; }

    /// <summary>The budget check, when the run had budgets.</summary>
    public ValidationReport? Validation { get; init; }

    /// <summary>What the accuracy-aware search tried and kept, when it ran.</summary>
    public IReadOnlyList<string> SearchLog { get; init; } = [];

    /// <summary>Passes asked for that were left out: they could not run on the model, or did not pay (int8 slower than fp32).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>
    /// The summary's account of the passes: those that changed the model, then those left out and
    /// those that found nothing to do, each said as such (never listed as applied).
    /// </summary>
    public string PassSummary()
    {
        var applied = Passes.Where(p => p.Applied).Select(p => p.Pass).ToList();
        var idle = Passes.Where(p => !p.Changed && p.Skipped is null).Select(p => p.Pass).ToList();
        string text = applied.Count > 0 ? string.Join(", ", applied) : Passes.Count == 0 && Skipped.Count == 0 ? "none" : "none applied";
        if (Skipped.Count > 0) text += $"; skipped: {string.Join(", ", Skipped.Distinct())}";
        if (idle.Count > 0) text += $"; no change: {string.Join(", ", idle)}";
        return text;
    }

    /// <summary>Things the model was written despite (synthetic calibration, a slower int8 model kept on request); MSBuild logs them as warnings.</summary>
    public IReadOnlyList<ModelOptWarning> Warnings { get; init; } = [];

    /// <summary>What the run decided (or replayed): passes, per-layer choices, int8 parameters, deployment CPU.</summary>
    public Engine.Plan.OptimizationPlan? Plan { get; init; }

    /// <summary>The lock file read or written; null when locking is off.</summary>
    public string? LockPath { get; init; }

    /// <summary>True when the plan was replayed from <see cref="LockPath"/> (no search, no calibration of recorded int8).</summary>
    public bool Replayed { get; init; }
}
