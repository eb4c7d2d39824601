using ModelOpt.Engine.Passes;

namespace ModelOpt.Validation.Optimization;

/// <summary>What an optimization run did: each pass's report, the model before and after, and notes.</summary>
public sealed record OptimizeResult(
    string ModelPath,
    string OutputPath,
    IReadOnlyList<PassReport> Passes,
    ModelFigures Before,
    ModelFigures After,
    long SourceBytes,
    long OutputBytes,
    string? CalibrationDescription,
    IReadOnlyList<string> Notes);
