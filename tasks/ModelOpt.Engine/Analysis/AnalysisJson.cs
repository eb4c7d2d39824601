using System.Text.Json;
using System.Text.Json.Serialization;
using ModelOpt.Engine.IO;

namespace ModelOpt.Engine.Analysis;

/// <summary>
/// The machine-readable form of an <see cref="AnalysisReport"/> (<c>analyze --json</c>), shared by
/// the tool and the MSBuild task so both write the same document.
/// </summary>
public static class AnalysisJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(AnalysisReport report) => JsonSerializer.Serialize(report, Options);

    public static AnalysisReport? Deserialize(string json) => JsonSerializer.Deserialize<AnalysisReport>(json, Options);

    /// <summary>Writes the report atomically.</summary>
    public static void Write(AnalysisReport report, string path) => AtomicFile.WriteAllText(path, Serialize(report) + "\n");
}
