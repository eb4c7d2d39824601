using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Config;

/// <summary>
/// The <c>values</c> section of a <c>modelopt.json</c>: inputs fixed to a value on every run
/// (<c>{ "sr": 16000, "state": "zeros" }</c>), in the <c>--value</c> forms of <see cref="ValueBindings"/>;
/// a relative <c>.npy</c> path is read from the config file's folder.
/// </summary>
public static class InputValuesConfig
{
    public const string Key = "values";

    public static ValueBindings From(JsonNode? node, string file)
    {
        if (node is null) return ValueBindings.None;
        if (node is not JsonObject obj)
            throw OptimizeConfig.Error(file, "'values' must be an object of input names to values, e.g. { \"sr\": 16000, \"state\": \"zeros\" }.");
        var specs = new List<string>();
        foreach (var (name, value) in obj)
        {
            string spec = value switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => Resolve(v.GetValue<string>(), file),
                JsonArray a when a.All(e => e is JsonValue ev && ev.GetValueKind() == JsonValueKind.Number) =>
                    "[" + string.Join(',', a.Select(e => e!.ToJsonString())) + "]",
                _ => throw OptimizeConfig.Error(file, $"'values.{name}' must be a number, a list of numbers, \"zeros\", \"ones\" or a .npy path."),
            };
            specs.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={spec}"));
        }
        return ValueBindings.Parse(specs);
    }

    private static string Resolve(string text, string file)
    {
        if (!text.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(text)) return text;
        return Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir ? Path.GetFullPath(Path.Combine(dir, text)) : text;
    }
}
