using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Engine.Config;

/// <summary>ONNX Runtime's graph optimization levels, as the config and the command line name them.</summary>
public enum GraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}

/// <summary>
/// The <c>runtime</c> section of <c>modelopt.json</c> (also <c>--threads</c>, <c>--graph-optimization</c>,
/// <c>--execution-provider</c>, <c>--memory-cap</c> and the MSBuild metadata of the same names):
/// the ONNX Runtime session options the user deploys the model with, which every latency figure,
/// latency budget and the int8-slower check are measured under, and the memory ModelOpt's own
/// runs (calibration, refit, validation) may take. Null means "not set here"; <see cref="Over"/>
/// layers the command line over the file, key by key.
/// </summary>
public sealed record RuntimeConfig
{
    /// <summary>2 GiB: enough for a batch of a few 640² detector samples with every activation exposed, small enough for a CI runner.</summary>
    public const long DefaultMemoryCapBytes = 2L << 30;

    public static RuntimeConfig None { get; } = new();

    /// <summary>Threads inside one operator; 0 is ONNX Runtime's own default (one per physical core), what an application gets unless it says otherwise.</summary>
    public int? IntraOpThreads { get; init; }

    public GraphOptimization? GraphOptimization { get; init; }

    /// <summary>An ONNX Runtime execution provider by short name (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>, <c>dml</c>, …) or full name (<c>CUDAExecutionProvider</c>).</summary>
    public string? ExecutionProvider { get; init; }

    /// <summary>Upper bound on the memory ModelOpt's batched ONNX Runtime runs may hold; batch sizes are chosen under it.</summary>
    public long? MemoryCapBytes { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public int ResolvedIntraOpThreads => IntraOpThreads ?? 0;

    [System.Text.Json.Serialization.JsonIgnore]
    public GraphOptimization ResolvedGraphOptimization => GraphOptimization ?? Config.GraphOptimization.All;

    [System.Text.Json.Serialization.JsonIgnore]
    public string ResolvedExecutionProvider => ExecutionProvider ?? "cpu";

    [System.Text.Json.Serialization.JsonIgnore]
    public long ResolvedMemoryCapBytes => MemoryCapBytes ?? DefaultMemoryCapBytes;

    /// <summary>Every key set: the defaults filled in, as reports state them.</summary>
    public RuntimeConfig Resolved() => new()
    {
        IntraOpThreads = ResolvedIntraOpThreads,
        GraphOptimization = ResolvedGraphOptimization,
        ExecutionProvider = ResolvedExecutionProvider,
        MemoryCapBytes = ResolvedMemoryCapBytes,
    };

    /// <summary>These settings where they are set, <paramref name="lower"/>'s elsewhere.</summary>
    public RuntimeConfig Over(RuntimeConfig? lower) => lower is null ? this : new RuntimeConfig
    {
        IntraOpThreads = IntraOpThreads ?? lower.IntraOpThreads,
        GraphOptimization = GraphOptimization ?? lower.GraphOptimization,
        ExecutionProvider = ExecutionProvider ?? lower.ExecutionProvider,
        MemoryCapBytes = MemoryCapBytes ?? lower.MemoryCapBytes,
    };

    public static string Name(GraphOptimization level) => level.ToString().ToLowerInvariant();

    /// <summary>Reads an intra-op thread count; the <paramref name="what"/> names the setting in the error.</summary>
    public static int ParseThreads(string text, string what, ErrorCode code, string? file) =>
        int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n <= 1024
            ? n
            : throw new ModelOptException(code, file, $"{what} must be a whole number of threads, 0 for ONNX Runtime's default (one per core); got '{text}'.");

    public static GraphOptimization ParseGraphOptimization(string text, string what, ErrorCode code, string? file) => text.Trim().ToLowerInvariant() switch
    {
        "disabled" or "none" or "off" => Config.GraphOptimization.Disabled,
        "basic" => Config.GraphOptimization.Basic,
        "extended" => Config.GraphOptimization.Extended,
        "all" => Config.GraphOptimization.All,
        _ => throw new ModelOptException(code, file, $"{what} must be disabled, basic, extended or all (ONNX Runtime's graph optimization levels); got '{text}'."),
    };

    public static string ParseExecutionProvider(string text, string what, ErrorCode code, string? file)
    {
        string name = text.Trim();
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? name
            : throw new ModelOptException(code, file, $"{what} must name an ONNX Runtime execution provider such as cpu or cuda; got '{text}'.");
    }

    /// <summary>A size such as <c>2GiB</c>, <c>512MB</c> or a plain number of bytes.</summary>
    public static long ParseMemoryCap(string text, string what, ErrorCode code, string? file)
    {
        double bytes;
        try
        {
            bytes = Quantity.Parse(text, QuantityKind.Bytes);
        }
        catch (FormatException e)
        {
            throw new ModelOptException(code, file, $"{what}: {e.Message}");
        }
        return bytes is >= 1 and < long.MaxValue
            ? (long)bytes
            : throw new ModelOptException(code, file, $"{what} must be a positive size such as 2GiB or 512MB; got '{text}'.");
    }

    internal static RuntimeConfig From(JsonNode node, string file)
    {
        if (node is not JsonObject obj)
            throw OptimizeConfig.Error(file, "'runtime' must be an object like { \"intraOpThreads\": 0, \"graphOptimization\": \"all\", \"executionProvider\": \"cpu\", \"memoryCap\": \"2GiB\" }.");
        var config = None;
        foreach (var (key, value) in obj)
        {
            string where = $"'runtime.{key}'";
            config = key switch
            {
                "intraOpThreads" => config with
                {
                    IntraOpThreads = value is JsonValue v && v.TryGetValue(out int n) ? ParseThreads(n.ToString(System.Globalization.CultureInfo.InvariantCulture), where, ErrorCode.InvalidConfig, file)
                        : throw OptimizeConfig.Error(file, $"{where} must be a whole number of threads, 0 for ONNX Runtime's default."),
                },
                "graphOptimization" => config with { GraphOptimization = ParseGraphOptimization(Text(value, where, file), where, ErrorCode.InvalidConfig, file) },
                "executionProvider" => config with { ExecutionProvider = ParseExecutionProvider(Text(value, where, file), where, ErrorCode.InvalidConfig, file) },
                "memoryCap" => config with
                {
                    MemoryCapBytes = value is JsonValue m && m.GetValueKind() == JsonValueKind.Number && m.TryGetValue(out long b)
                        ? ParseMemoryCap(b.ToString(System.Globalization.CultureInfo.InvariantCulture), where, ErrorCode.InvalidConfig, file)
                        : ParseMemoryCap(Text(value, where, file), where, ErrorCode.InvalidConfig, file),
                },
                _ => throw OptimizeConfig.Error(file, $"unknown key 'runtime.{key}' (expected 'intraOpThreads', 'graphOptimization', 'executionProvider' or 'memoryCap')."),
            };
        }
        return config;
    }

    private static string Text(JsonNode? value, string where, string file) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw OptimizeConfig.Error(file, $"{where} must be a string.");
}
