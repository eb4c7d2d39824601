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
public sealed record RuntimeConfig : ISettings
{
    /// <summary>
    /// The default cap is this share of the memory available when the process starts
    /// (<see cref="MachineMemory"/>): the rest is left to the system and whatever else runs.
    /// </summary>
    public const double DefaultMemoryShare = 0.5;

    /// <summary>The default cap never goes below this (a machine that reports almost nothing free still gets a batch of one small sample).</summary>
    public const long MinimumDefaultMemoryCapBytes = 512L << 20;

    /// <summary>The default cap on this machine: <see cref="DefaultMemoryCapFor"/> of what was available at start.</summary>
    public static long DefaultMemoryCapBytes => DefaultMemoryCapFor(MachineMemory.AvailableBytes);

    /// <summary>
    /// The default cap for a machine with <paramref name="availableBytes"/> available:
    /// <see cref="DefaultMemoryShare"/> of it, at least <see cref="MinimumDefaultMemoryCapBytes"/>.
    /// Only batch sizes follow it: what a run writes does not depend on the cap.
    /// </summary>
    public static long DefaultMemoryCapFor(long availableBytes) =>
        Math.Max(MinimumDefaultMemoryCapBytes, (long)(DefaultMemoryShare * Math.Max(availableBytes, 0)));

    public static RuntimeConfig None { get; } = new();

    /// <summary>Threads inside one operator; 0 is ONNX Runtime's own default (one per physical core), what an application gets unless it says otherwise.</summary>
    public int? IntraOpThreads { get; init; }

    public GraphOptimization? GraphOptimization { get; init; }

    /// <summary>An ONNX Runtime execution provider by short name (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>, <c>dml</c>, …) or full name (<c>CUDAExecutionProvider</c>).</summary>
    public string? ExecutionProvider { get; init; }

    /// <summary>The cap as written in modelopt.json (<c>"2GiB"</c>, <c>"512MB"</c>, a number of bytes as text).</summary>
    public string? MemoryCap { get; init; }

    private readonly long? _memoryCapBytes;

    /// <summary>Upper bound on the memory ModelOpt's batched ONNX Runtime runs may hold; batch sizes are chosen under it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long? MemoryCapBytes
    {
        get => _memoryCapBytes ?? (MemoryCap is { } text ? ParseMemoryCap(text, "runtime.memoryCap", ErrorCode.InvalidConfig, null) : null);
        init => _memoryCapBytes = value;
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public int ResolvedIntraOpThreads => IntraOpThreads ?? 0;

    [System.Text.Json.Serialization.JsonIgnore]
    public GraphOptimization ResolvedGraphOptimization => GraphOptimization ?? Config.GraphOptimization.All;

    [System.Text.Json.Serialization.JsonIgnore]
    public string ResolvedExecutionProvider => ExecutionProvider ?? "cpu";

    [System.Text.Json.Serialization.JsonIgnore]
    public long ResolvedMemoryCapBytes => MemoryCapBytes ?? DefaultMemoryCapBytes;

    /// <summary>The cap set here, or the default of a machine with <paramref name="availableBytes"/> available.</summary>
    public long ResolveMemoryCap(long availableBytes) => MemoryCapBytes ?? DefaultMemoryCapFor(availableBytes);

    /// <summary>Every key set: the defaults filled in, as reports state them.</summary>
    public RuntimeConfig Resolved() => new()
    {
        IntraOpThreads = ResolvedIntraOpThreads,
        GraphOptimization = ResolvedGraphOptimization,
        ExecutionProvider = ResolvedExecutionProvider,
        MemoryCapBytes = ResolvedMemoryCapBytes,
        MemoryCap = ResolvedMemoryCapBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
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

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (IntraOpThreads is < 0 or > 1024) yield return new("intraOpThreads", $"must be a whole number of threads, 0 for ONNX Runtime's default (one per core), got {IntraOpThreads}.");
        if (ExecutionProvider is { } p && (p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            yield return new("executionProvider", $"must name an ONNX Runtime execution provider such as cpu or cuda, got '{p}'.");
        if (MemoryCap is { } m)
        {
            string? problem = null;
            try
            {
                ParseMemoryCap(m, "memoryCap", ErrorCode.InvalidConfig, null);
            }
            catch (ModelOptException e)
            {
                problem = e.Message;
            }
            if (problem is not null) yield return new("memoryCap", $"must be a size such as \"2GiB\" or \"512MB\", got '{m}'.");
        }
    }
}
