using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Validation.Optimization;

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

    /// <summary>Things the model was written despite (synthetic calibration, a slower int8 model kept on request); MSBuild logs them as warnings.</summary>
    public IReadOnlyList<ModelOptWarning> Warnings { get; init; } = [];
}
