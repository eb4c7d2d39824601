using System.Globalization;
using Microsoft.Build.Framework;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Validation.Optimization;

namespace ModelOpt.Build;

/// <summary>
/// Turns one <c>OnnxModel</c> item (its metadata already defaulted by the targets) into the same
/// <see cref="OptimizeOptions"/> the tool's <c>optimize</c> command builds from its options, so a
/// build and a command line with the same settings write byte-identical models.
/// </summary>
internal static class ModelItemSettings
{
    public static OptimizeOptions ToOptions(ITaskItem item, string projectDirectory)
    {
        string model = Resolve(item.ItemSpec, projectDirectory)!;
        string output = Resolve(item.GetMetadata("OptimizedPath"), projectDirectory)
            ?? throw new ModelOptException(ErrorCode.InvalidArgument, model, "the OnnxModel item has no OptimizedPath metadata (the ModelOpt.Build targets set it).");
        return new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = output,
            Passes = Text(item, "Passes") is { } passes ? SplitList(passes, ',') : null,
            ConfigPath = Resolve(item.GetMetadata("Config"), projectDirectory),
            DataPath = Resolve(item.GetMetadata("Data"), projectDirectory),
            Shapes = Text(item, "Shape") is { } shapes ? SplitList(shapes, ';', ' ') : [],
            CalibrationSamples = Integer(item, "CalibrationSamples", model),
            Seed = Integer(item, "Seed", model) ?? 0,
        };
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
