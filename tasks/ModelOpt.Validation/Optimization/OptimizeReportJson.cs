using System.Text.Json;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IO;

namespace ModelOpt.Validation.Optimization;

/// <summary>
/// The machine-readable record of an optimization run, written next to the optimized model by the
/// MSBuild task (<c>net.onnx</c> → <c>net.report.json</c>). Same conventions as <see cref="AnalysisJson"/>.
/// </summary>
public static class OptimizeReportJson
{
    public static string Serialize(OptimizeResult result) => JsonSerializer.Serialize(result, AnalysisJson.Options);

    public static OptimizeResult? Deserialize(string json) => JsonSerializer.Deserialize<OptimizeResult>(json, AnalysisJson.Options);

    /// <summary>Writes the report atomically.</summary>
    public static void Write(OptimizeResult result, string path) => AtomicFile.WriteAllText(path, Serialize(result) + "\n");

    /// <summary>Where the report of a model written to <paramref name="modelPath"/> goes: beside it, <c>NAME.report.json</c>.</summary>
    public static string PathBeside(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath) + ".report.json");
}
