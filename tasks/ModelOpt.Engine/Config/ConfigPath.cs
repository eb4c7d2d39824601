namespace ModelOpt.Engine.Config;

/// <summary>
/// Where a value sits in a config document, as JSON keys from the root (array items as <c>[i]</c>).
/// Keys may hold dots (node-name patterns do), so the segments are kept apart.
/// </summary>
public sealed class ConfigPath
{
    private const char Separator = '\u001f';

    private ConfigPath(string key) => Key = key;

    public static ConfigPath Root { get; } = new("");

    /// <summary>The segments joined by a separator no JSON key in a config holds; the lookup key of <see cref="JsonPositions"/>.</summary>
    public string Key { get; }

    public ConfigPath Then(string segment) => new(Join(Key, segment));

    internal static string Join(string path, string segment) => path.Length == 0 ? segment : path + Separator + segment;

    internal static ConfigPath FromKey(string key) => new(key);

    /// <summary>The path as people write it: <c>overrides.nodes.^conv.prune.ratio</c>.</summary>
    public override string ToString() => Key.Replace(Separator, '.').Replace(".[", "[");
}
