using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Validation;

/// <summary>
/// The few ONNX Runtime session settings ModelOpt varies. Everything else is fixed (CPU provider,
/// sequential execution, no memory-pattern guessing across shapes) so runs are reproducible.
/// </summary>
public sealed record OrtSessionSettings
{
    /// <summary>Threads for one operator; 0 lets ONNX Runtime pick (one per core).</summary>
    public int IntraOpThreads { get; init; } = 1;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    public static OrtSessionSettings Default { get; } = new();

    internal SessionOptions CreateOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = OptimizationLevel,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        return options;
    }
}
