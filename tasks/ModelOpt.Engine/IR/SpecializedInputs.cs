using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>
/// Inputs a rewrite folded away because the user bound them (<c>--value sr=16000</c>) and the model
/// then no longer read them: <c>freeze</c> inlines the If branch a bound sample rate selects. Kept in
/// the model's <c>metadata_props</c> (key <see cref="Key"/>, <c>sr=16000;…</c>), so the written model
/// says which values it was specialized for, and the same bindings applied to it again (validation,
/// <c>validate</c>, a later run) are recognised instead of refused as naming no input.
/// </summary>
public static class SpecializedInputs
{
    public const string Key = "modelopt.specialized_inputs";

    /// <summary>Name → the value text it was specialized for.</summary>
    public static IReadOnlyDictionary<string, string> Of(Model model) => Parse(Entry(model)?.Value);

    /// <summary>Parses the metadata value (ONNX Runtime hands it back through the session's custom metadata).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text)) return map;
        foreach (string part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) map[part[..eq]] = part[(eq + 1)..];
        }
        return map;
    }

    public static void Add(Model model, string input, string spec)
    {
        var map = new Dictionary<string, string>(Of(model), StringComparer.Ordinal) { [input] = spec };
        string text = string.Join(';', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        if (Entry(model) is { } entry) entry.Value = text;
        else model.Template.MetadataProps.Add(new StringStringEntryProto { Key = Key, Value = text });
    }

    private static StringStringEntryProto? Entry(Model model) => model.Template.MetadataProps.FirstOrDefault(e => e.Key == Key);
}
