using System.Text.Json.Serialization;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Validation;

/// <summary>
/// The ONNX Runtime session options models are run and timed under. The three a deployment
/// chooses (intra-op threads, graph optimization level, execution provider) default to what an
/// application gets from ONNX Runtime when it sets nothing, so measured latency is the latency
/// the user will see; they come from the config's <c>runtime</c> section, the command line or
/// MSBuild metadata through <see cref="From"/>. Everything else is fixed (sequential execution,
/// one inter-op thread) so runs are reproducible.
/// </summary>
public sealed record OrtSessionSettings
{
    /// <summary>Threads for one operator; 0 lets ONNX Runtime pick (one per physical core), its own default.</summary>
    public int IntraOpThreads { get; init; }

    [JsonIgnore]
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>The level by the name the config uses (<c>disabled</c>, <c>basic</c>, <c>extended</c>, <c>all</c>): how reports write it.</summary>
    public string GraphOptimization
    {
        get => LevelName(OptimizationLevel);
        init => OptimizationLevel = From(new RuntimeConfig { GraphOptimization = RuntimeConfig.ParseGraphOptimization(value, "graphOptimization", ErrorCode.InvalidArgument, null) }).OptimizationLevel;
    }

    /// <summary>Short (<c>cpu</c>, <c>cuda</c>) or full (<c>CUDAExecutionProvider</c>) provider name; CPU always backs it up for ops it lacks.</summary>
    public string ExecutionProvider { get; init; } = "cpu";

    /// <summary>Where ONNX Runtime writes the graph it runs after its own optimizations (to see which QDQ fusions fired); null writes nothing.</summary>
    [JsonIgnore]
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>When set, ONNX Runtime records a per-operator profile (JSON) under this path prefix; <see cref="OrtModelRunner.EndProfiling"/> names the file.</summary>
    [JsonIgnore]
    public string? ProfilePathPrefix { get; init; }

    /// <summary>
    /// ONNX Runtime's CPU arena: fast for repeated runs of one shape, but it grows in powers of two
    /// and never gives memory back, so a run that hands back hundreds of megabytes of activations
    /// can hold twice that; calibration turns it off.
    /// </summary>
    [JsonIgnore]
    public bool MemoryArena { get; init; } = true;

    public static OrtSessionSettings Default { get; } = new();

    /// <summary>The session options a <c>runtime</c> configuration asks for (unset keys: ONNX Runtime's defaults).</summary>
    public static OrtSessionSettings From(RuntimeConfig runtime) => new()
    {
        IntraOpThreads = runtime.ResolvedIntraOpThreads,
        OptimizationLevel = runtime.ResolvedGraphOptimization switch
        {
            Engine.Config.GraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
            Engine.Config.GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
            Engine.Config.GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
        },
        ExecutionProvider = runtime.ResolvedExecutionProvider,
    };

    /// <summary>How reports state the settings: provider, threads, optimization level.</summary>
    public string Describe() =>
        $"{ExecutionProvider}, {(IntraOpThreads == 0 ? $"default intra-op threads (ONNX Runtime picks; {Environment.ProcessorCount} logical cores)" : IntraOpThreads == 1 ? "1 intra-op thread" : $"{IntraOpThreads} intra-op threads")}, graph optimization {LevelName(OptimizationLevel)}";

    public static string LevelName(GraphOptimizationLevel level) => level switch
    {
        GraphOptimizationLevel.ORT_DISABLE_ALL => "disabled",
        GraphOptimizationLevel.ORT_ENABLE_BASIC => "basic",
        GraphOptimizationLevel.ORT_ENABLE_EXTENDED => "extended",
        _ => "all",
    };

    // Short names a user types, mapped to ONNX Runtime's provider names.
    private static readonly Dictionary<string, string> ProviderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = "CPUExecutionProvider",
        ["cuda"] = "CUDAExecutionProvider",
        ["tensorrt"] = "TensorrtExecutionProvider",
        ["dml"] = "DmlExecutionProvider",
        ["directml"] = "DmlExecutionProvider",
        ["rocm"] = "ROCMExecutionProvider",
        ["migraphx"] = "MIGraphXExecutionProvider",
        ["openvino"] = "OpenVINOExecutionProvider",
        ["coreml"] = "CoreMLExecutionProvider",
        ["dnnl"] = "DnnlExecutionProvider",
        ["nnapi"] = "NnapiExecutionProvider",
        ["qnn"] = "QNNExecutionProvider",
        ["xnnpack"] = "XnnpackExecutionProvider",
        ["webgpu"] = "WebGpuExecutionProvider",
    };

    /// <summary>ONNX Runtime's name of <see cref="ExecutionProvider"/>.</summary>
    [JsonIgnore]
    public string ProviderName => ProviderNames.TryGetValue(ExecutionProvider, out var full) ? full
        : ExecutionProvider.EndsWith("ExecutionProvider", StringComparison.OrdinalIgnoreCase) ? ExecutionProvider : ExecutionProvider + "ExecutionProvider";

    /// <summary>
    /// Throws <see cref="ErrorCode.ExecutionProviderUnavailable"/> naming <paramref name="file"/>
    /// when the ONNX Runtime in this process lacks the provider: measuring on another provider
    /// than the one asked for would report a latency the user will never see.
    /// </summary>
    public void EnsureAvailable(string? file)
    {
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (available.Contains(ProviderName, StringComparer.OrdinalIgnoreCase)) return;
        throw new ModelOptException(ErrorCode.ExecutionProviderUnavailable, file,
            $"the execution provider '{ExecutionProvider}' ({ProviderName}) is not in this ONNX Runtime build, which has {string.Join(", ", available)}. " +
            $"Install the ONNX Runtime package with that provider (e.g. Microsoft.ML.OnnxRuntime.Gpu for cuda) or set {OptionNames.ExecutionProvider.NameAndKey} to one it has.");
    }

    internal SessionOptions CreateOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = OptimizationLevel,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            EnableCpuMemArena = MemoryArena,
        };
        try
        {
            AppendProvider(options);
        }
        catch
        {
            options.Dispose();
            throw;
        }
        if (OptimizedModelFilePath is not null) options.OptimizedModelFilePath = OptimizedModelFilePath;
        if (ProfilePathPrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = ProfilePathPrefix;
        }
        return options;
    }

    private void AppendProvider(SessionOptions options)
    {
        switch (ProviderName)
        {
            case "CPUExecutionProvider": return;
            case "CUDAExecutionProvider": options.AppendExecutionProvider_CUDA(0); return;
            case "TensorrtExecutionProvider": options.AppendExecutionProvider_Tensorrt(0); return;
            case "DmlExecutionProvider": options.AppendExecutionProvider_DML(0); return;
            case "ROCMExecutionProvider": options.AppendExecutionProvider_ROCm(0); return;
            case "MIGraphXExecutionProvider": options.AppendExecutionProvider_MIGraphX(0); return;
            case "DnnlExecutionProvider": options.AppendExecutionProvider_Dnnl(0); return;
            case "OpenVINOExecutionProvider": options.AppendExecutionProvider_OpenVINO(""); return;
            case "CoreMLExecutionProvider": options.AppendExecutionProvider_CoreML(CoreMLFlags.COREML_FLAG_USE_NONE); return;
            default:
                // Providers registered by name (QNN, XNNPACK, WebGPU, …) take the short name.
                options.AppendExecutionProvider(ProviderName.Replace("ExecutionProvider", "", StringComparison.Ordinal), []);
                return;
        }
    }
}
