using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;

namespace ModelOpt.Engine.Config;

/// <summary>
/// A <c>modelopt.json</c>: which passes run, their global settings, and overrides by op type and by
/// node name (a regular expression) where <c>null</c> means "leave this node alone". The file's
/// format is documented in docs/config.md. Everything in it is checked when it is loaded, the
/// sections of passes that will not run included, and every problem is reported with its line
/// and column (<see cref="ConfigProblems"/>).
/// </summary>
public sealed class OptimizeConfig
{
    /// <summary>
    /// Config keys spelled as JSON identifiers for passes whose names are not (<c>shareWeights</c>
    /// for <c>share-weights</c>). Either spelling is accepted wherever a pass is named; giving both
    /// in one object is an error.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PassKeyAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["shareWeights"] = "share-weights",
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static string PassNameFor(string key) => PassKeyAliases.TryGetValue(key, out var name) ? name : key;

    // How a pass's section is named in messages: the JSON key people write.
    private static string SectionKeyFor(string pass) => PassKeyAliases.FirstOrDefault(a => a.Value == pass).Key ?? pass;

    private readonly PassRegistry _registry;
    private readonly JsonPositions? _positions;
    private readonly Dictionary<string, (JsonObject Settings, ConfigPath Path)> _passSettings;
    private readonly Dictionary<string, (JsonObject Settings, ConfigPath Path)> _opTypeOverrides;
    private readonly List<(string Pattern, Regex Regex, JsonObject Settings, ConfigPath Path)> _nodeOverrides;
    // How many of the node overrides came from the file (the rest the search appended); -1: all.
    // Only the file's are checked against the model: the search may name nodes its own passes create.
    private int _fileOverrides = -1;
    // The per-node settings appended by WithNodeSettings, by exact node name: a search's choices, or a replayed plan's.
    private IReadOnlyList<(string Node, string Pass, JsonObject? Settings)> _nodeSettings = [];

    private OptimizeConfig(
        string? sourcePath,
        ConfigFile file,
        IReadOnlyList<string> passes,
        PassRegistry registry,
        JsonPositions? positions,
        Dictionary<string, (JsonObject, ConfigPath)> passSettings,
        Dictionary<string, (JsonObject, ConfigPath)> opTypeOverrides,
        List<(string, Regex, JsonObject, ConfigPath)> nodeOverrides)
    {
        SourcePath = sourcePath;
        File = file;
        Passes = passes;
        _registry = registry;
        _positions = positions;
        _passSettings = passSettings;
        _opTypeOverrides = opTypeOverrides;
        _nodeOverrides = nodeOverrides;
    }

    public static OptimizeConfig Empty { get; } = new(null, new ConfigFile(), [], PassRegistry.Default, null, [], [], []);

    /// <summary>The file this came from, for error messages and for resolving relative paths.</summary>
    public string? SourcePath { get; }

    /// <summary>The top-level sections, typed (<see cref="ConfigFile"/>).</summary>
    public ConfigFile File { get; }

    /// <summary>Pass names in order, aliases resolved.</summary>
    public IReadOnlyList<string> Passes { get; }

    public CalibrationConfig? Calibration => File.Calibration;

    /// <summary>The raw <c>budgets</c> object (already checked), read by the validation layer.</summary>
    public JsonObject? Budgets => File.Budgets;

    /// <summary>The <c>values</c> section: inputs bound to a value (<see cref="InputValuesConfig"/>).</summary>
    public Shapes.ValueBindings Values => InputValuesConfig.From(File.Values, FileName);

    /// <summary>The <c>state</c> section: which outputs feed which inputs on the next step (<see cref="StatePairsConfig"/>).</summary>
    public IReadOnlyDictionary<string, string> State => StatePairsConfig.From(File.State, FileName);

    /// <summary>What each output is taken for, where the config says (<c>outputKinds</c>); empty when not given.</summary>
    public OutputKinds OutputKinds => OutputKinds.FromConfig(File.OutputKinds, FileName);

    /// <summary>The outputs the application reads (<c>usedOutputs</c>); <see cref="Config.UsedOutputs.All"/> when not given.</summary>
    public UsedOutputs UsedOutputs => File.UsedOutputs is { Count: > 0 } names ? new UsedOutputs(names) : UsedOutputs.All;

    /// <summary>The <c>runtime</c> section: ONNX Runtime session options and the memory cap (unset keys are null).</summary>
    public RuntimeConfig Runtime => File.Runtime ?? RuntimeConfig.None;

    private string FileName => SourcePath ?? "modelopt.json";

    public static OptimizeConfig Load(string path, PassRegistry? registry = null)
    {
        if (!System.IO.File.Exists(path)) throw Error(path, "the configuration file does not exist.");
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"the configuration file could not be read: {e.Message}");
        }
        return Parse(text, path, registry);
    }

    /// <summary>Reads and checks a config document; every problem in it is reported in one <see cref="ModelOptException"/>.</summary>
    public static OptimizeConfig Parse(string json, string? sourcePath = null, PassRegistry? registry = null) =>
        Parse(json, sourcePath, registry ?? PassRegistry.Default, passSectionsOnly: false);

    /// <summary>
    /// Reads pass sections given inline (MSBuild's <c>PassSettings</c> metadata): the same schema and
    /// checks as the pass sections of modelopt.json; other sections are errors. <paramref name="where"/>
    /// names the inline text in messages (the project file).
    /// </summary>
    public static OptimizeConfig ParsePassSettings(string json, string where, PassRegistry? registry = null) =>
        Parse(json, where, registry ?? PassRegistry.Default, passSectionsOnly: true);

    private static OptimizeConfig Parse(string json, string? sourcePath, PassRegistry registry, bool passSectionsOnly)
    {
        string file = sourcePath ?? "modelopt.json";
        JsonPositions positions;
        JsonObject root;
        try
        {
            positions = JsonPositions.Of(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            root = JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject
                ?? throw new ModelOptException([new ModelOptError(ErrorCode.InvalidConfig, file, 1, 1, "the configuration must be a JSON object.")]);
        }
        catch (JsonException e)
        {
            // System.Text.Json counts from 0 and appends its own position in prose; say it the way editors jump to it.
            string message = Regex.Replace(e.Message, @"\s*(Path: .*?)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?", "").Trim();
            throw new ModelOptException([new ModelOptError(ErrorCode.InvalidConfig, file, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, $"not valid JSON: {message}")]);
        }

        var problems = new ConfigProblems(file, positions);
        foreach (var (path, _, _) in positions.Duplicates)
            problems.Add(path, atKey: true, $"'{path}' is given twice; keep one.");
        // System.Text.Json cannot even enumerate an object with a key given twice.
        problems.ThrowIfAny();

        var rootKeys = SettingsBinder.KeysOf(typeof(ConfigFile));
        var sectionsObject = new JsonObject();
        var passSettings = new Dictionary<string, (JsonObject, ConfigPath)>(StringComparer.Ordinal);
        foreach (var (key, value) in root)
        {
            var path = ConfigPath.Root.Then(key);
            string pass = PassNameFor(key);
            if (registry.IsKnown(pass))
            {
                if (value is not JsonObject settings)
                    problems.Add(path, atKey: false, $"'{key}' must be an object of settings for the pass '{pass}'.");
                else if (passSettings.ContainsKey(pass))
                    problems.Add(path, atKey: true, $"settings for the pass '{pass}' are given twice (as '{key}' and under another spelling); keep one.");
                else
                {
                    passSettings[pass] = (settings, path);
                    SettingsBinder.Bind(settings, registry.SettingsTypeOf(pass), new SettingsSite(path, key), problems);
                }
            }
            else if (rootKeys.Contains(key) && !passSectionsOnly)
                sectionsObject[key] = value?.DeepClone();
            else if (passSectionsOnly)
                problems.Add(path, atKey: true, $"'{key}' is not a pass (known passes: {string.Join(", ", registry.Names)}); only pass settings may be given here, e.g. {{ \"quantize\": {{ \"allowSlower\": true }} }}.{DidYouMean.Sentence(key, registry.Names.Concat(PassKeyAliases.Keys))}");
            else
                problems.Add(path, atKey: true, $"unknown key '{key}': it is neither a section ({string.Join(", ", rootKeys.Where(k => k != "$schema"))}) nor a pass ({string.Join(", ", registry.Names)}).{DidYouMean.Sentence(key, rootKeys.Where(k => k != "$schema").Concat(registry.Names).Concat(PassKeyAliases.Keys))}");
        }

        var configFile = SettingsBinder.BindPartial<ConfigFile>(sectionsObject, new SettingsSite(ConfigPath.Root, ""), problems);

        var passes = new List<string>();
        for (int i = 0; i < configFile.Passes.Count; i++)
        {
            string pass = PassNameFor(configFile.Passes[i]);
            if (registry.IsKnown(pass)) passes.Add(pass);
            else
                problems.Add(ConfigPath.Root.Then("passes").Then($"[{i}]"), atKey: false,
                    $"'passes' names '{configFile.Passes[i]}', which is not a pass (known passes: {string.Join(", ", registry.Names)}).{DidYouMean.Sentence(configFile.Passes[i], registry.Names)}");
        }

        if (configFile.Calibration is { Data: { } data } calibration && !Path.IsPathRooted(data) && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
            configFile = configFile with { Calibration = calibration with { Data = Path.GetFullPath(Path.Combine(dir, data)) } };

        if (configFile.Lock is { } lockPath && !Path.IsPathRooted(lockPath) && Path.GetDirectoryName(Path.GetFullPath(file)) is { } lockDir)
            configFile = configFile with { Lock = Path.GetFullPath(Path.Combine(lockDir, lockPath)) };

        var opTypes = new Dictionary<string, (JsonObject, ConfigPath)>(StringComparer.Ordinal);
        var nodes = new List<(string, Regex, JsonObject, ConfigPath)>();
        if (configFile.Overrides is { } overrides)
            ReadOverrides(overrides, registry, passSettings, problems, opTypes, nodes);

        if (configFile.Budgets is { } budgets)
        {
            foreach (var (key, value) in budgets)
            {
                try
                {
                    BudgetSet.FromConfig(new JsonObject { [key] = value?.DeepClone() }, file);
                }
                catch (ModelOptException e)
                {
                    var path = ConfigPath.Root.Then("budgets").Then(key);
                    bool known = BudgetDefinition.FindByKey(key) is not null || key is BudgetSet.ConfidenceKey or BudgetSet.CosinePercentileKey or BudgetSet.FidelityFloorKey;
                    problems.Add(path, atKey: !known,
                        known ? e.Message : e.Message + DidYouMean.Sentence(key, BudgetDefinition.All.Select(d => d.Key).Concat([BudgetSet.ConfidenceKey, BudgetSet.CosinePercentileKey])));
                }
            }
        }

        CheckSection(problems, "values", () => InputValuesConfig.From(configFile.Values, file));
        CheckSection(problems, "state", () => StatePairsConfig.From(configFile.State, file));
        CheckSection(problems, OutputKinds.Key, () => OutputKinds.FromConfig(configFile.OutputKinds, file));
        problems.ThrowIfAny();
        return new OptimizeConfig(sourcePath, configFile, passes, registry, positions, passSettings, opTypes, nodes);
    }

    private static void ReadOverrides(JsonObject overrides, PassRegistry registry, Dictionary<string, (JsonObject Settings, ConfigPath Path)> passSettings, ConfigProblems problems,
        Dictionary<string, (JsonObject, ConfigPath)> opTypes, List<(string, Regex, JsonObject, ConfigPath)> nodes)
    {
        var overridesPath = ConfigPath.Root.Then("overrides");
        foreach (var (kind, value) in overrides)
        {
            var kindPath = overridesPath.Then(kind);
            if (kind is not ("opTypes" or "nodes"))
            {
                problems.Add(kindPath, atKey: true, $"unknown key 'overrides.{kind}'{DidYouMean.Hint(kind, ["opTypes", "nodes"])} (expected 'opTypes' or 'nodes').");
                continue;
            }
            if (value is not JsonObject entries)
            {
                problems.Add(kindPath, atKey: false, $"'overrides.{kind}' must be an object.");
                continue;
            }
            foreach (var (name, entry) in entries)
            {
                var entryPath = kindPath.Then(name);
                string where = $"overrides.{kind}.{name}";
                if (entry is not JsonObject obj)
                {
                    problems.Add(entryPath, atKey: false, $"'{where}' must be an object of pass settings, e.g. {{ \"prune\": null }}.");
                    continue;
                }
                Regex? regex = null;
                if (kind == "nodes")
                {
                    try
                    {
                        regex = new Regex(name, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                    }
                    catch (ArgumentException e)
                    {
                        problems.Add(entryPath, atKey: true, $"'overrides.nodes' key '{name}' is not a valid regular expression: {e.Message}");
                    }
                }
                var renamed = new JsonObject();
                foreach (var (key, settings) in obj)
                {
                    var path = entryPath.Then(key);
                    string pass = PassNameFor(key);
                    if (!registry.IsKnown(pass))
                    {
                        problems.Add(path, atKey: true, $"'{where}' names '{key}', which is not a pass (known passes: {string.Join(", ", registry.Names)}).{DidYouMean.Sentence(key, registry.Names.Concat(PassKeyAliases.Keys))}");
                        continue;
                    }
                    if (renamed.ContainsKey(pass))
                    {
                        problems.Add(path, atKey: true, $"'{where}' gives settings for '{pass}' twice (as '{key}' and under another spelling); keep one.");
                        continue;
                    }
                    renamed[pass] = settings?.DeepClone();
                    if (settings is null) continue;
                    if (settings is not JsonObject own)
                    {
                        problems.Add(path, atKey: false, $"'{where}.{key}' must be an object of settings for '{pass}' or null (leave the node alone).");
                        continue;
                    }
                    // What a node will get: the global section with this entry's keys over it.
                    var merged = passSettings.TryGetValue(pass, out var global) ? global.Settings.DeepClone().AsObject() : [];
                    foreach (var (k, v) in own) merged[k] = v?.DeepClone();
                    SettingsBinder.Bind(merged, registry.SettingsTypeOf(pass), new SettingsSite(path, key, $" (in '{where}')", global.Path), problems);
                }
                if (kind == "opTypes") opTypes[name] = (renamed, entryPath);
                else if (regex is not null) nodes.Add((name, regex, renamed, entryPath));
            }
        }
    }

    /// <summary>Every node-name pattern must match a node of the model, or the config is wrong (a typo, a stale name).</summary>
    public void CheckAgainst(Model model)
    {
        var names = model.Graph.AllNodes().Select(n => n.Name).ToList();
        var problems = new ConfigProblems(FileName, _positions);
        foreach (var (pattern, regex, _, path) in _nodeOverrides.Take(_fileOverrides < 0 ? _nodeOverrides.Count : _fileOverrides))
        {
            if (!names.Any(regex.IsMatch))
                problems.Add(path, atKey: true, $"'overrides.nodes' names '{pattern}', which matches no node of the model.{DidYouMean.Sentence(pattern, names)}");
        }
        problems.ThrowIfAny();
    }

    /// <summary>
    /// This configuration with per-node settings appended after its own overrides: each entry
    /// matches one node by exact name, and a null setting leaves the node alone. The file's own
    /// nulls still win, so a layer the user excluded stays excluded. Used by the accuracy-aware search.
    /// </summary>
    public OptimizeConfig WithNodeSettings(IEnumerable<(string NodeName, string Pass, JsonObject? Settings)> settings, IReadOnlyList<string>? passes = null)
    {
        var nodes = new List<(string, Regex, JsonObject, ConfigPath)>(_nodeOverrides);
        foreach (var (name, pass, value) in settings)
        {
            string pattern = "^" + Regex.Escape(name) + "$";
            nodes.Add((pattern, new Regex(pattern, RegexOptions.CultureInvariant), new JsonObject { [pass] = value?.DeepClone() }, ConfigPath.Root));
        }
        return new OptimizeConfig(SourcePath, File, passes ?? Passes, _registry, _positions, _passSettings, _opTypeOverrides, nodes)
        {
            _fileOverrides = _fileOverrides < 0 ? _nodeOverrides.Count : _fileOverrides,
            _nodeSettings = [.. _nodeSettings, .. settings.Select(e => (e.NodeName, e.Pass, e.Settings?.DeepClone().AsObject()))],
        };
    }

    /// <summary>The per-node settings appended by <see cref="WithNodeSettings"/>, in order (null: leave the node alone); what the plan records of a search.</summary>
    public IReadOnlyList<(string Node, string Pass, JsonObject? Settings)> NodeSettings => _nodeSettings;

    /// <summary>
    /// This configuration with pass sections given elsewhere (MSBuild's <c>PassSettings</c>) laid
    /// over its own key by key; the result is checked again, so a combination the two make is caught.
    /// </summary>
    public OptimizeConfig WithPassSettings(OptimizeConfig inline)
    {
        var merged = new Dictionary<string, (JsonObject, ConfigPath)>(_passSettings, StringComparer.Ordinal);
        var problems = new ConfigProblems(inline.FileName, inline._positions);
        foreach (var (pass, (settings, path)) in inline._passSettings)
        {
            var combined = _passSettings.TryGetValue(pass, out var own) ? own.Settings.DeepClone().AsObject() : [];
            foreach (var (k, v) in settings) combined[k] = v?.DeepClone();
            merged[pass] = (combined, path);
            SettingsBinder.Bind(combined, inline._registry.SettingsTypeOf(pass), new SettingsSite(path, SectionKeyFor(pass), SourcePath is null ? "" : $" (with the settings of {SourcePath})"), problems);
        }
        problems.ThrowIfAny();
        return new OptimizeConfig(SourcePath, File, Passes, inline._registry, _positions, merged, _opTypeOverrides, _nodeOverrides);
    }

    /// <summary>This configuration with the outputs the application reads given elsewhere (the command line, MSBuild) winning over the file's.</summary>
    public OptimizeConfig WithUsedOutputs(UsedOutputs given) => given.IsAll ? this
        : new OptimizeConfig(SourcePath, File with { UsedOutputs = given.Names }, Passes, _registry, _positions, _passSettings, _opTypeOverrides, _nodeOverrides)
        {
            _fileOverrides = _fileOverrides,
            _nodeSettings = _nodeSettings,
        };

    /// <summary>This configuration with the deployment CPU given elsewhere (the command line, MSBuild) winning over the file's.</summary>
    public OptimizeConfig WithDeployCpu(Plan.DeployCpu? given) => given is null ? this
        : new OptimizeConfig(SourcePath, File with { DeployCpu = given }, Passes, _registry, _positions, _passSettings, _opTypeOverrides, _nodeOverrides)
        {
            _fileOverrides = _fileOverrides,
            _nodeSettings = _nodeSettings,
        };

    /// <summary>The global settings of a pass as written (empty when the config has none).</summary>
    public JsonObject SettingsFor(string pass) => _passSettings.TryGetValue(PassNameFor(pass), out var s) ? s.Settings : new JsonObject();

    /// <summary>
    /// The settings of <paramref name="pass"/> for one node as JSON: global settings, overridden key
    /// by key by its op type's entry, then by every matching node pattern in file order. Null means
    /// the node is to be left alone by this pass.
    /// </summary>
    public JsonObject? SettingsFor(string pass, Node node)
    {
        pass = PassNameFor(pass);
        var merged = SettingsFor(pass).DeepClone().AsObject();
        if (_opTypeOverrides.TryGetValue(node.OpType, out var byType) && !Merge(merged, byType.Settings, pass)) return null;
        foreach (var (_, regex, settings, _) in _nodeOverrides)
            if (regex.IsMatch(node.Name) && !Merge(merged, settings, pass)) return null;
        return merged;
    }

    /// <summary>The global settings of a pass, typed.</summary>
    public T Settings<T>(string pass) where T : class, ISettings => Bind<T>(SettingsFor(pass), pass, "");

    /// <summary>The settings of a pass for one node, typed (see <see cref="SettingsFor(string, Node)"/>); null: leave the node alone.</summary>
    public T? Settings<T>(string pass, Node node) where T : class, ISettings =>
        SettingsFor(pass, node) is { } json ? Bind<T>(json, pass, $" (for node '{node.Name}')") : null;

    // Checked when loaded; what can still fail here is a combination only overrides together make.
    private T Bind<T>(JsonObject json, string pass, string note) where T : class, ISettings
    {
        pass = PassNameFor(pass);
        var problems = new ConfigProblems(FileName, _positions);
        var path = _passSettings.TryGetValue(pass, out var own) ? own.Path : ConfigPath.Root.Then(SectionKeyFor(pass));
        var result = SettingsBinder.Bind<T>(json, new SettingsSite(path, SectionKeyFor(pass), note), problems);
        problems.ThrowIfAny();
        return result!;
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

    private static void CheckSection(ConfigProblems problems, string key, Action read)
    {
        try
        {
            read();
        }
        catch (ModelOptException e)
        {
            problems.Add(ConfigPath.Root.Then(key), atKey: false, e.Message);
        }
    }

    internal static ModelOptException Error(string file, string message) => new(ErrorCode.InvalidConfig, file, message);
}
