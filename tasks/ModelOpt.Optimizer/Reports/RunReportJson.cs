using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelOpt.Engine.IO;

namespace ModelOpt.Optimizer.Reports;

/// <summary>
/// Reads and writes <see cref="RunReport"/> as JSON (docs/report.md): camelCase names, absent
/// values left out, indented, UTF-8 without escaping of non-ASCII text (× and µ stay readable).
/// </summary>
public static class RunReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(RunReport report) => JsonSerializer.Serialize(report, Options) + "\n";

    public static RunReport Deserialize(string json) =>
        JsonSerializer.Deserialize<RunReport>(json, Options) ?? throw new JsonException("the report is JSON null.");

    /// <summary>Writes the report atomically.</summary>
    public static void Write(RunReport report, string path) => AtomicFile.WriteAllText(path, Serialize(report));

    /// <summary>Where the report of a model written to <paramref name="modelPath"/> goes: beside it, <c>NAME.report.json</c>.</summary>
    public static string PathBeside(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath) + ".report.json");
}
