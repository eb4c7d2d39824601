using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// Writes a <see cref="LockFile"/> so that it diffs well under version control: fixed key order,
/// settings and data in ordinal order, one node, tensor, sample or budget per line, numbers in
/// their shortest round-trip form, "\n" line ends. The same plan always gives the same text.
/// </summary>
public static class LockFileWriter
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(LockFile lockFile)
    {
        var f = lockFile.Fingerprint;
        var plan = lockFile.Plan;
        var text = new StringBuilder();
        text.Append("{\n");
        text.Append($"  \"schema\": {LockFile.CurrentSchema},\n");
        text.Append($"  \"tool\": {Json(w => w.WriteStringValue(f.Tool))},\n");
        text.Append($"  \"model\": {Json(w => { w.WriteStartObject(); w.WriteString("file", f.ModelFile); w.WriteString("sha256", f.ModelSha256); w.WriteEndObject(); })},\n");
        text.Append("  \"settings\": {");
        Lines(text, f.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{Json(w => w.WriteStringValue(kv.Key))}: {Json(w => w.WriteStringValue(kv.Value))}").ToList(), "    ");
        text.Append("},\n");
        text.Append("  \"data\": [");
        Lines(text, f.Data.OrderBy(d => d.File, StringComparer.Ordinal).Select(d => Json(w => { w.WriteStartObject(); w.WriteString("file", d.File); w.WriteString("sha256", d.Sha256); w.WriteEndObject(); })).ToList(), "    ");
        text.Append("],\n");
        text.Append("  \"budgets\": [");
        Lines(text, lockFile.Budgets.Select(b => Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("budget", b.Budget);
            w.WriteNumber("limit", b.Limit);
            if (b.Asked is double asked) w.WriteNumber("asked", asked);
            if (b.Measured is double m && double.IsFinite(m)) w.WriteNumber("measured", m);
            else w.WriteNull("measured");
            w.WriteBoolean("kept", b.Kept);
            w.WriteEndObject();
        })).ToList(), "    ");
        text.Append("],\n");
        text.Append("  \"plan\": {\n");
        text.Append($"    \"passes\": {Json(w => { w.WriteStartArray(); foreach (var p in plan.Passes) w.WriteStringValue(p); w.WriteEndArray(); })},\n");
        text.Append($"    \"deployCpu\": \"{plan.DeployCpu.Key()}\",\n");
        if (plan.Searched) text.Append("    \"searched\": true,\n");
        if (plan.Settings is { } planSettings) text.Append($"    \"settings\": {Json(w => planSettings.WriteTo(w))},\n");
        text.Append("    \"nodes\": [");
        Lines(text, plan.Nodes.Select(n => Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("node", n.Node);
            w.WriteString("pass", n.Pass);
            w.WriteString("choice", n.Label);
            w.WritePropertyName("settings");
            if (n.Settings is null) w.WriteNullValue();
            else n.Settings.WriteTo(w);
            w.WriteEndObject();
        })).ToList(), "      ");
        text.Append(']');
        if (plan.Quantization is { } q)
        {
            text.Append(",\n    \"quantization\": {\n");
            text.Append($"      \"calibration\": {Json(w => w.WriteStringValue(q.Calibration))},\n");
            text.Append($"      \"weights\": \"{(q.PairSafeWeights ? "pair-safe" : "full-range")}\",\n");
            text.Append("      \"tensors\": [");
            Lines(text, q.Tensors.Select(t => Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("tensor", t.Tensor);
                w.WriteNumber("min", t.Min);
                w.WriteNumber("max", t.Max);
                w.WriteNumber("scale", t.Scale);
                w.WriteNumber("zeroPoint", t.ZeroPoint);
                w.WriteEndObject();
            })).ToList(), "        ");
            text.Append("]\n    }");
        }
        text.Append("\n  }\n}\n");
        return text.ToString();
    }

    // Items one per line, indented, closing bracket on its own line; an empty list stays "[]".
    private static void Lines(StringBuilder text, IReadOnlyList<string> items, string indent)
    {
        if (items.Count == 0) return;
        text.Append('\n');
        for (int i = 0; i < items.Count; i++) text.Append(indent).Append(items[i]).Append(i < items.Count - 1 ? ",\n" : "\n");
        text.Append(indent[..^2]);
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Compact)) write(writer);
        // A line reads better with a space after each separator; string contents keep theirs.
        return Spaced(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Spaced(string json)
    {
        var result = new StringBuilder(json.Length + 16);
        bool inString = false, escaped = false;
        foreach (char c in json)
        {
            result.Append(c);
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c is ',' or ':') result.Append(' ');
        }
        return result.ToString();
    }
}
