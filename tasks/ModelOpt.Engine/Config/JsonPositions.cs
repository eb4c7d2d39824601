using System.Text;
using System.Text.Json;

namespace ModelOpt.Engine.Config;

/// <summary>
/// Where each key and value of a JSON document starts (1-based line and column), so that an error
/// found after binding can point at the exact spot. System.Text.Json's nodes keep no positions,
/// so the text is read once more with a <see cref="Utf8JsonReader"/>.
/// </summary>
public sealed class JsonPositions
{
    private readonly byte[] _utf8;
    private readonly List<int> _lineStarts = [0];
    private readonly Dictionary<string, long> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly List<(string Path, long Offset)> _duplicates = [];

    private JsonPositions(byte[] utf8)
    {
        _utf8 = utf8;
        for (int i = 0; i < utf8.Length; i++)
            if (utf8[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <summary>Keys given twice in one object (the later one wins in System.Text.Json; here it is a mistake).</summary>
    public IEnumerable<(ConfigPath Path, int Line, int Column)> Duplicates =>
        _duplicates.Select(d => (ConfigPath.FromKey(d.Path), LineOf(d.Offset), ColumnOf(d.Offset)));

    /// <summary>Reads the positions of <paramref name="json"/>; a syntax error throws <see cref="JsonException"/> with its 0-based line and byte.</summary>
    public static JsonPositions Of(string json, JsonReaderOptions options)
    {
        var positions = new JsonPositions(Encoding.UTF8.GetBytes(json));
        positions.Walk(options);
        return positions;
    }

    public (int Line, int Column)? KeyOf(ConfigPath path) => _keys.TryGetValue(path.Key, out long o) ? (LineOf(o), ColumnOf(o)) : null;

    public (int Line, int Column)? ValueOf(ConfigPath path) => _values.TryGetValue(path.Key, out long o) ? (LineOf(o), ColumnOf(o)) : null;

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int Index { get; set; }
        public string? PendingKey { get; set; }
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private void Walk(JsonReaderOptions options)
    {
        var reader = new Utf8JsonReader(_utf8, options);
        var stack = new Stack<Frame>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                {
                    var top = stack.Peek();
                    string key = reader.GetString()!;
                    top.PendingKey = key;
                    string path = ConfigPath.Join(top.Path, key);
                    if (!top.Keys.Add(key)) _duplicates.Add((path, reader.TokenStartIndex));
                    else _keys[path] = reader.TokenStartIndex;
                    break;
                }
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                {
                    string path = ValuePath(stack, reader.TokenStartIndex);
                    stack.Push(new Frame(path, reader.TokenType == JsonTokenType.StartArray));
                    break;
                }
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    stack.Pop();
                    break;
                default:
                    ValuePath(stack, reader.TokenStartIndex);
                    break;
            }
        }
    }

    private string ValuePath(Stack<Frame> stack, long offset)
    {
        string path = "";
        if (stack.TryPeek(out var top))
            path = top.IsArray ? ConfigPath.Join(top.Path, $"[{top.Index++}]") : ConfigPath.Join(top.Path, top.PendingKey ?? "");
        _values.TryAdd(path, offset);
        return path;
    }

    private int LineOf(long offset)
    {
        int index = _lineStarts.BinarySearch((int)offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    // Columns count characters, not bytes, as editors do.
    private int ColumnOf(long offset)
    {
        int start = _lineStarts[LineOf(offset) - 1];
        return Encoding.UTF8.GetCharCount(_utf8, start, (int)offset - start) + 1;
    }
}
