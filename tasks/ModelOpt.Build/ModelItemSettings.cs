using System.Globalization;
using Microsoft.Build.Framework;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Optimizer;

namespace ModelOpt.Build;

/// <summary>
/// Turns one <c>OnnxModel</c> item (its metadata already defaulted by the targets) into the same
/// <see cref="OptimizeOptions"/> the tool's <c>optimize</c> command builds from its options, so a
/// build and a command line with the same settings write byte-identical models.
/// </summary>
internal static class ModelItemSettings
{
    /// <param name="projectFile">The project, named by errors in the inline <c>PassSettings</c>.</param>
    public static OptimizeOptions ToOptions(ITaskItem item, string projectDirectory, string? projectFile = null)
    {
        string model = Resolve(item.ItemSpec, projectDirectory)!;
        string output = Resolve(item.GetMetadata("OptimizedPath"), projectDirectory)
            ?? throw new ModelOptException(ErrorCode.InvalidArgument, model, "the OnnxModel item has no OptimizedPath metadata (the ModelOpt.Build targets set it).");
        var options = new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = output,
            Passes = Text(item, "Passes") is { } passes ? SplitList(passes, ',') : null,
            ConfigPath = Resolve(item.GetMetadata("Config"), projectDirectory),
            PassSettings = Text(item, "PassSettings"),
            PassSettingsSource = projectFile,
            DataPath = Resolve(item.GetMetadata("Data"), projectDirectory),
            Shapes = Text(item, "Shape") is { } shapes ? SplitList(shapes, ';', ' ') : [],
            // Values may hold lists with spaces ("[1, 2]"): only ';' separates them. A relative
            // .npy path is the project's, as every other path metadata.
            Values = Text(item, "Values") is { } values
                ? SplitList(values, ';').Select(v => ResolveValueFile(v, projectDirectory)).ToArray() : [],
            State = Text(item, "State") is { } state ? SplitList(state, ';', ' ') : [],
            UsedOutputs = Text(item, "UsedOutputs") is { } used ? SplitList(used, ';', ',', ' ') : [],
            OutputKinds = Text(item, "OutputKinds") is { } kinds ? SplitList(kinds, ';', ',', ' ') : [],
            CalibrationSamples = Integer(item, "CalibrationSamples", model),
            Seed = Integer(item, "Seed", model) ?? 0,
            Budgets = Budgets(item, model),
            Runtime = Runtime(item, model),
            LabelsPath = Resolve(item.GetMetadata("Labels"), projectDirectory),
            Search = Boolean(item, "Search", model),
            FidelityFloor = Text(item, "FidelityFloor") is null ? null : Boolean(item, "FidelityFloor", model),
            SearchTime = Integer(item, "SearchTime", model) is { } seconds ? TimeSpan.FromSeconds(seconds) : OptimizeOptions.DefaultSearchTime,
            // Empty: beside the model, written when the run decided something; "true": beside the model, always;
            // a path: the project's; "false" or "none": no lock.
            Lock = LockUseOf(Text(item, "LockFile")),
            LockPath = Text(item, "LockFile") is { } lockFile && !bool.TryParse(lockFile, out _) && !IsNone(lockFile) ? Resolve(lockFile, projectDirectory) : null,
            Locked = Boolean(item, "LockedMode", model),
            DeployCpu = Text(item, "DeployCpu") is { } cpu
                ? Engine.Plan.DeployCpus.Parse(cpu) ?? throw new ModelOptException(ErrorCode.InvalidArgument, model, $"the OnnxModel metadata DeployCpu=\"{cpu}\" is not one of {string.Join(", ", Engine.Plan.DeployCpus.Names)}.")
                : null,
        };
        // The same checks as the tool's options, in the metadata's words.
        options.Check(property => $"the OnnxModel metadata {property}=\"{item.GetMetadata(property)}\"", model);
        return options;
    }

    private static string ResolveValueFile(string binding, string projectDirectory)
    {
        int eq = binding.IndexOf('=');
        if (eq <= 0 || !binding.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return binding;
        return binding[..(eq + 1)] + Resolve(binding[(eq + 1)..].Trim(), projectDirectory);
    }

    /// <summary>The metadata names of the budgets: the config keys with a capital, <c>MaxFlops</c> for <c>maxFlops</c>.</summary>
    public static IEnumerable<string> BudgetMetadataNames => BudgetDefinition.All.Select(d => d.MetadataName)
        .Concat(new[] { BudgetSet.ConfidenceKey, BudgetSet.CosinePercentileKey }.Select(key => char.ToUpperInvariant(key[0]) + key[1..]));

    // Same parser as the tool's --max-flops etc. and modelopt.json, so "5MB" or "1.2GFLOPs" mean the same everywhere.
    private static BudgetSet Budgets(ITaskItem item, string model)
    {
        var given = BudgetMetadataNames.Select(name => (name, Value: Text(item, name))).Where(b => b.Value is not null)
            .Select(b => KeyValuePair.Create(b.name, b.Value!)).ToList();
        try
        {
            return BudgetSet.FromText(given);
        }
        catch (ModelOptException e) when (e.File is null)
        {
            throw new ModelOptException(e.Code, model, $"the OnnxModel metadata {e.Message}", e);
        }
    }

    // Same parsers as --threads, --graph-optimization, --execution-provider, --memory-cap and modelopt.json's runtime section.
    private static RuntimeConfig Runtime(ITaskItem item, string model)
    {
        const ErrorCode code = ErrorCode.InvalidArgument;
        return new RuntimeConfig
        {
            IntraOpThreads = Text(item, "IntraOpThreads") is { } t ? RuntimeConfig.ParseThreads(t, $"the OnnxModel metadata IntraOpThreads=\"{t}\"", code, model) : null,
            GraphOptimization = Text(item, "GraphOptimization") is { } g ? RuntimeConfig.ParseGraphOptimization(g, $"the OnnxModel metadata GraphOptimization=\"{g}\"", code, model) : null,
            ExecutionProvider = Text(item, "ExecutionProvider") is { } p ? RuntimeConfig.ParseExecutionProvider(p, $"the OnnxModel metadata ExecutionProvider=\"{p}\"", code, model) : null,
            MemoryCapBytes = Text(item, "MemoryCap") is { } m ? RuntimeConfig.ParseMemoryCap(m, $"the OnnxModel metadata MemoryCap=\"{m}\"", code, model) : null,
        };
    }

    private static LockUse LockUseOf(string? text) =>
        text is null ? LockUse.Auto
        : IsNone(text) || string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) ? LockUse.Off
        : LockUse.On;

    private static bool IsNone(string text) => string.Equals(text, "none", StringComparison.OrdinalIgnoreCase);

    private static bool Boolean(ITaskItem item, string name, string model)
    {
        if (Text(item, name) is not { } text) return false;
        if (bool.TryParse(text, out bool value)) return value;
        throw new ModelOptException(ErrorCode.InvalidArgument, model, $"the OnnxModel metadata {name}=\"{text}\" is not true or false.");
    }

    private static string? Text(ITaskItem item, string name) =>
        item.GetMetadata(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string[] SplitList(string value, params char[] separators) =>
        value.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int? Integer(ITaskItem item, string name, string model)
    {
        if (Text(item, name) is not { } text) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        throw new ModelOptException(ErrorCode.InvalidArgument, model, $"the OnnxModel metadata {name}=\"{text}\" is not an integer.");
    }

    // Item metadata paths are relative to the project, as MSBuild users expect; the engine wants full paths.
    private static string? Resolve(string? path, string projectDirectory) =>
        string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(Path.Combine(projectDirectory, path.Trim()));
}
