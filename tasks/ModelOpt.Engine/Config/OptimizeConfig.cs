using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Config;

/// <summary>
/// A <c>modelopt.json</c>: which passes run, their global settings, and overrides by op type and by
/// node name (a regular expression) where <c>null</c> means "leave this node alone". The file's
/// format is documented in docs/config.md.
/// </summary>
public sealed class OptimizeConfig
{
    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal) { "passes", "calibration", "overrides", "budgets", "runtime", "$schema" };

    /// <summary>
    /// Config keys spelled as JSON identifiers for passes whose names are not (<c>shareWeights</c>
    /// for <c>share-weights</c>). Either spelling is accepted wherever a pass is named; giving both
    /// in one object is an error.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PassKeyAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["shareWeights"] = "share-weights",
    };

    private static string PassNameFor(string key) => PassKeyAliases.TryGetValue(key, out var name) ? name : key;

    // The same settings object with alias keys turned into pass names.
    private static JsonObject WithPassNames(JsonObject settings, string file, string where)
    {
        if (!settings.Any(kv => PassKeyAliases.ContainsKey(kv.Key))) return settings;
        var renamed = new JsonObject();
        foreach (var (key, value) in settings)
        {
            string name = PassNameFor(key);
            if (renamed.ContainsKey(name))
                throw Error(file, $"{where} gives settings for '{name}' twice (as '{key}' and under another spelling); keep one.");
            renamed[name] = value?.DeepClone();
        }
        return renamed;
    }

    private readonly Dictionary<string, JsonObject> _passSettings;
    private readonly Dictionary<string, JsonObject> _opTypeOverrides;
    private readonly List<(string Pattern, Regex Regex, JsonObject Settings)> _nodeOverrides;

    private OptimizeConfig(
        string? sourcePath,
        IReadOnlyList<string> passes,
        Dictionary<string, JsonObject> passSettings,
        CalibrationConfig? calibration,
        Dictionary<string, JsonObject> opTypeOverrides,
        List<(string, Regex, JsonObject)> nodeOverrides,
        JsonObject? budgets,
        RuntimeConfig? runtime = null)
    {
        Runtime = runtime ?? RuntimeConfig.None;
        SourcePath = sourcePath;
        Passes = passes;
        _passSettings = passSettings;
        Calibration = calibration;
        _opTypeOverrides = opTypeOverrides;
        _nodeOverrides = nodeOverrides;
        Budgets = budgets;
    }

    public static OptimizeConfig Empty { get; } = new(null, [], [], null, [], [], null);

    /// <summary>The file this came from, for error messages and for resolving relative paths.</summary>
    public string? SourcePath { get; }

    public IReadOnlyList<string> Passes { get; }

    public CalibrationConfig? Calibration { get; }

    /// <summary>The <c>runtime</c> section: ONNX Runtime session options and the memory cap (unset keys are null).</summary>
    public RuntimeConfig Runtime { get; }

    /// <summary>The raw <c>budgets</c> object, read by the validation layer.</summary>
    public JsonObject? Budgets { get; }

    public static OptimizeConfig Load(string path)
    {
        if (!File.Exists(path)) throw Error(path, "the configuration file does not exist.");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw Error(path, $"the configuration file could not be read: {e.Message}");
        }
        return Parse(text, path);
    }

    public static OptimizeConfig Parse(string json, string? sourcePath = null)
    {
        string file = sourcePath ?? "modelopt.json";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw Error(file, "the configuration must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw Error(file, $"not valid JSON: {e.Message}");
        }

        var passes = new List<string>();
        if (root["passes"] is { } passesNode)
        {
            if (passesNode is not JsonArray array || array.Any(p => p is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
                throw Error(file, "'passes' must be an array of pass names, e.g. [\"freeze\", \"separable\"].");
            passes.AddRange(array.Select(p => PassNameFor(p!.GetValue<string>())));
        }

        var passSettings = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (key, value) in root)
        {
            if (ReservedKeys.Contains(key)) continue;
            if (value is not JsonObject settings)
                throw Error(file, $"'{key}' must be an object of settings for the pass '{PassNameFor(key)}'.");
            if (!passSettings.TryAdd(PassNameFor(key), settings))
                throw Error(file, $"settings for the pass '{PassNameFor(key)}' are given twice (as '{key}' and under another spelling); keep one.");
        }

        CalibrationConfig? calibration = null;
        if (root["calibration"] is { } calibrationNode)
            calibration = CalibrationConfig.From(calibrationNode, file);

        var opTypes = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var nodes = new List<(string, Regex, JsonObject)>();
        if (root["overrides"] is { } overridesNode)
        {
            if (overridesNode is not JsonObject overrides) throw Error(file, "'overrides' must be an object with 'opTypes' and/or 'nodes'.");
            foreach (var (key, value) in overrides)
            {
                if (key is not ("opTypes" or "nodes")) throw Error(file, $"unknown key 'overrides.{key}' (expected 'opTypes' or 'nodes').");
                if (value is not JsonObject entries) throw Error(file, $"'overrides.{key}' must be an object.");
                foreach (var (name, settings) in entries)
                {
                    if (settings is not JsonObject obj) throw Error(file, $"'overrides.{key}.{name}' must be an object of pass settings.");
                    obj = WithPassNames(obj, file, $"'overrides.{key}.{name}'");
                    if (key == "opTypes") opTypes[name] = obj;
                    else nodes.Add((name, CompilePattern(name, file), obj));
                }
            }
        }

        JsonObject? budgets = null;
        if (root["budgets"] is { } budgetsNode)
            budgets = budgetsNode as JsonObject ?? throw Error(file, "'budgets' must be an object.");

        RuntimeConfig? runtime = root["runtime"] is { } runtimeNode ? RuntimeConfig.From(runtimeNode, file) : null;

        return new OptimizeConfig(sourcePath, passes, passSettings, calibration, opTypes, nodes, budgets, runtime);
    }

    /// <summary>Pass names in 'passes', settings and overrides must all be passes ModelOpt knows.</summary>
    public void CheckPassNames(IEnumerable<string> known)
    {
        var set = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase);
        string file = SourcePath ?? "modelopt.json";
        foreach (var p in Passes)
            if (!set.Contains(p)) throw Error(file, $"'passes' names '{p}', which is not a pass. Known passes: {string.Join(", ", set.Order())}.");
        foreach (var key in _passSettings.Keys)
            if (!set.Contains(key)) throw Error(file, $"unknown key '{key}': it is neither a setting ({string.Join(", ", ReservedKeys.Where(k => k != "$schema"))}) nor a pass.");
        foreach (var settings in _opTypeOverrides.Values.Concat(_nodeOverrides.Select(n => n.Settings)))
            foreach (var (key, _) in settings)
                if (!set.Contains(key)) throw Error(file, $"an override names '{key}', which is not a pass.");
    }

    /// <summary>Every node-name pattern must match a node of the model, or the config is wrong (a typo, a stale name).</summary>
    public void CheckAgainst(Model model)
    {
        var names = model.Graph.AllNodes().Select(n => n.Name).ToList();
        foreach (var (pattern, regex, _) in _nodeOverrides)
        {
            if (!names.Any(regex.IsMatch))
                throw Error(SourcePath ?? "modelopt.json", $"'overrides.nodes' names '{pattern}', which matches no node of the model.");
        }
    }

    /// <summary>
    /// This configuration with per-node settings appended after its own overrides: each entry
    /// matches one node by exact name, and a null setting leaves the node alone. The file's own
    /// nulls still win, so a layer the user excluded stays excluded. Used by the accuracy-aware search.
    /// </summary>
    public OptimizeConfig WithNodeSettings(IEnumerable<(string NodeName, string Pass, JsonObject? Settings)> settings, IReadOnlyList<string>? passes = null)
    {
        var nodes = new List<(string, Regex, JsonObject)>(_nodeOverrides);
        foreach (var (name, pass, value) in settings)
        {
            string pattern = "^" + Regex.Escape(name) + "$";
            nodes.Add((pattern, new Regex(pattern, RegexOptions.CultureInvariant), new JsonObject { [pass] = value?.DeepClone() }));
        }
        return new OptimizeConfig(SourcePath, passes ?? Passes, _passSettings, Calibration, _opTypeOverrides, nodes, Budgets, Runtime);
    }

    /// <summary>The global settings of a pass (empty when the config has none).</summary>
    public JsonObject SettingsFor(string pass) => _passSettings.TryGetValue(PassNameFor(pass), out var s) ? s : new JsonObject();

    /// <summary>
    /// The settings of <paramref name="pass"/> for one node: global settings, overridden key by key
    /// by its op type's entry, then by every matching node pattern in file order. Null means the
    /// node is to be left alone by this pass.
    /// </summary>
    public JsonObject? SettingsFor(string pass, Node node)
    {
        pass = PassNameFor(pass);
        var merged = SettingsFor(pass).DeepClone().AsObject();
        if (_opTypeOverrides.TryGetValue(node.OpType, out var byType) && !Merge(merged, byType, pass)) return null;
        foreach (var (_, regex, settings) in _nodeOverrides)
            if (regex.IsMatch(node.Name) && !Merge(merged, settings, pass)) return null;
        return merged;
    }

    // Returns false when the override says null for this pass.
    private static bool Merge(JsonObject target, JsonObject overrides, string pass)
    {
        if (!overrides.TryGetPropertyValue(pass, out var value)) return true;
        if (value is null) return false;
        if (value is JsonObject obj)
            foreach (var (k, v) in obj) target[k] = v?.DeepClone();
        return true;
    }

    private static Regex CompilePattern(string pattern, string file)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw Error(file, $"'overrides.nodes' key '{pattern}' is not a valid regular expression: {e.Message}");
        }
    }

    internal static ModelOptException Error(string file, string message) => new(ErrorCode.InvalidConfig, file, message);
}
