using System.Globalization;
using System.Text.Json;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Validation.Data;

/// <summary>Class-index labels from <c>.npy</c> (integers, or floats holding integers), <c>.txt</c> (whitespace-separated) or <c>.json</c> (an array).</summary>
public static class LabelFile
{
    /// <summary>The <c>labels.*</c> file in a sample folder, when there is one.</summary>
    public static string? FindIn(string folder) =>
        new[] { "labels.npy", "labels.txt", "labels.json" }.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);

    public static long[] Read(string path)
    {
        if (!File.Exists(path)) throw Invalid(path, "the labels file does not exist.");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return ext switch
            {
                ".npy" => FromNpy(path),
                ".txt" => File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select((t, i) => ParseLabel(t, i, path)).ToArray(),
                ".json" => FromJson(path),
                _ => throw Invalid(path, "labels must be .npy, .txt or .json."),
            };
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"not valid JSON: {e.Message}");
        }
    }

    private static long[] FromNpy(string path)
    {
        var array = NpyFile.Read(path);
        if (array.Shape.Length > 2 || (array.Shape.Length == 2 && array.Shape[1] != 1))
            throw Invalid(path, $"labels must be a vector of class indices, got shape [{string.Join(", ", array.Shape)}].");
        var floats = array.ToFloats();
        var labels = array.ToInt64s();
        for (int i = 0; i < labels.Length; i++)
            if (floats[i] != labels[i] || labels[i] < 0) throw Invalid(path, $"label {i} is {floats[i]}, not a class index.");
        return labels;
    }

    private static long[] FromJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw Invalid(path, "the JSON must be an array of class indices.");
        return doc.RootElement.EnumerateArray().Select((e, i) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) && v >= 0 ? v : throw Invalid(path, $"entry {i} is not a class index.")).ToArray();
    }

    private static long ParseLabel(string text, int index, string path) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= 0 ? v : throw Invalid(path, $"entry {index} ('{text}') is not a class index.");

    private static ModelOptException Invalid(string path, string message) => new(ErrorCode.DataFileInvalid, path, message);
}
