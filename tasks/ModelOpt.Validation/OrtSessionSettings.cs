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

    /// <summary>Where ONNX Runtime writes the graph it runs after its own optimizations (to see which QDQ fusions fired); null writes nothing.</summary>
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>When set, ONNX Runtime records a per-operator profile (JSON) under this path prefix; <see cref="OrtModelRunner.EndProfiling"/> names the file.</summary>
    public string? ProfilePathPrefix { get; init; }

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
        if (OptimizedModelFilePath is not null) options.OptimizedModelFilePath = OptimizedModelFilePath;
        if (ProfilePathPrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = ProfilePathPrefix;
        }
        return options;
    }
}
