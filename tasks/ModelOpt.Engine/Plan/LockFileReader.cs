using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// Reads a lock file, hand edits included: anything that is not what <see cref="LockFileWriter"/>
/// writes (not JSON, a missing or mistyped key, a newer schema, an unknown pass or CPU) is an
/// <see cref="ErrorCode.InvalidLockFile"/> error at its line and column.
/// </summary>
public static class LockFileReader
{
    public static LockFile Load(string path, IReadOnlyCollection<string> knownPasses)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(ErrorCode.InvalidLockFile, path, $"the lock file could not be read: {e.Message}");
        }
        return Parse(text, path, knownPasses);
    }

    public static LockFile Parse(string json, string file, IReadOnlyCollection<string> knownPasses)
    {
        JsonPositions positions;
        JsonObject root;
        try
        {
            positions = JsonPositions.Of(json, default);
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelOptException([new ModelOptError(ErrorCode.InvalidLockFile, file, 1, 1, "a lock file must be a JSON object.")]);
        }
        catch (JsonException e)
        {
            string message = Regex.Replace(e.Message, @"\s*(Path: .*?)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?", "").Trim();
            throw new ModelOptException([new ModelOptError(ErrorCode.InvalidLockFile, file, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1,
                $"not valid JSON: {message} Fix it, or delete the lock to search again.")]);
        }
        foreach (var (dup, line, column) in positions.Duplicates)
            throw new ModelOptException([new ModelOptError(ErrorCode.InvalidLockFile, file, line, column, $"'{dup}' is given twice; keep one.")]);
        var read = new Reader(file, positions);
        return read.Lock(root, knownPasses);
    }

    private sealed class Reader(string file, JsonPositions positions)
    {
        private ModelOptException Error(ConfigPath path, string message)
        {
            var (line, column) = positions.ValueOf(path) ?? positions.KeyOf(path) ?? (0, 0);
            return new ModelOptException([new ModelOptError(ErrorCode.InvalidLockFile, file, line, column, $"'{path}' {message}")]);
        }

        private JsonNode Need(JsonObject obj, ConfigPath at, string key) =>
            obj.TryGetPropertyValue(key, out var node) && node is not null ? node : throw Error(at.Then(key) is var p && obj.ContainsKey(key) ? p : at, obj.ContainsKey(key) ? "must not be null." : $"lacks the key '{key}'.");

        private JsonObject Obj(JsonNode node, ConfigPath path) => node as JsonObject ?? throw Error(path, "must be an object.");

        private JsonArray Arr(JsonNode node, ConfigPath path) => node as JsonArray ?? throw Error(path, "must be an array.");

        private string Str(JsonNode node, ConfigPath path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Error(path, "must be a string.");

        private double Num(JsonNode node, ConfigPath path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw Error(path, "must be a number.");

        private float Single(JsonNode node, ConfigPath path)
        {
            // Parsed from the text as float, so what the writer wrote reads back bit for bit.
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<JsonElement>(out var e) && e.TryGetSingle(out float f) && float.IsFinite(f)) return f;
            if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number) return (float)n.GetValue<double>();
            throw Error(path, "must be a number.");
        }

        private int Int(JsonNode node, ConfigPath path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out int i) ? i : throw Error(path, "must be an integer.");

        public LockFile Lock(JsonObject root, IReadOnlyCollection<string> knownPasses)
        {
            var top = ConfigPath.Root;
            var schemaPath = top.Then("schema");
            int schema = Int(Need(root, top, "schema"), schemaPath);
            if (schema > LockFile.CurrentSchema)
                throw Error(schemaPath, $"is {schema}: the lock was written by a newer ModelOpt (this one reads schema {LockFile.CurrentSchema} and older); update ModelOpt or delete the lock.");
            if (schema < 1) throw Error(schemaPath, $"is {schema}; schemas start at 1.");
            string tool = Str(Need(root, top, "tool"), top.Then("tool"));
            var modelPath = top.Then("model");
            var model = Obj(Need(root, top, "model"), modelPath);
            string modelFile = Str(Need(model, modelPath, "file"), modelPath.Then("file"));
            string modelSha = Str(Need(model, modelPath, "sha256"), modelPath.Then("sha256"));

            var settingsPath = top.Then("settings");
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in Obj(Need(root, top, "settings"), settingsPath))
                settings[key] = Str(value ?? throw Error(settingsPath.Then(key), "must be a string."), settingsPath.Then(key));

            var dataPath = top.Then("data");
            var data = new List<DataFile>();
            var dataArray = Arr(Need(root, top, "data"), dataPath);
            for (int i = 0; i < dataArray.Count; i++)
            {
                var at = dataPath.Then($"[{i}]");
                var entry = Obj(dataArray[i] ?? throw Error(at, "must be an object."), at);
                data.Add(new DataFile(Str(Need(entry, at, "file"), at.Then("file")), Str(Need(entry, at, "sha256"), at.Then("sha256"))));
            }

            var budgetsPath = top.Then("budgets");
            var budgets = new List<LockedBudget>();
            var budgetArray = Arr(Need(root, top, "budgets"), budgetsPath);
            for (int i = 0; i < budgetArray.Count; i++)
            {
                var at = budgetsPath.Then($"[{i}]");
                var entry = Obj(budgetArray[i] ?? throw Error(at, "must be an object."), at);
                double? measured = entry["measured"] is { } m ? Num(m, at.Then("measured")) : null;
                bool kept = entry["kept"] is JsonValue k && k.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? k.GetValue<bool>() : throw Error(at.Then("kept"), "must be true or false.");
                double? asked = entry["asked"] is { } a ? Num(a, at.Then("asked")) : null;
                budgets.Add(new LockedBudget(Str(Need(entry, at, "budget"), at.Then("budget")), Num(Need(entry, at, "limit"), at.Then("limit")), measured, kept) { Asked = asked });
            }

            var planPath = top.Then("plan");
            var plan = Obj(Need(root, top, "plan"), planPath);
            var passes = new List<string>();
            var passArray = Arr(Need(plan, planPath, "passes"), planPath.Then("passes"));
            for (int i = 0; i < passArray.Count; i++)
            {
                var at = planPath.Then("passes").Then($"[{i}]");
                string pass = Str(passArray[i] ?? throw Error(at, "must be a string."), at);
                if (!knownPasses.Contains(pass)) throw Error(at, $"names '{pass}', which is not a pass (known passes: {string.Join(", ", knownPasses)}).{DidYouMean.Sentence(pass, knownPasses)}");
                passes.Add(pass);
            }
            var cpuPath = planPath.Then("deployCpu");
            string cpuText = Str(Need(plan, planPath, "deployCpu"), cpuPath);
            var cpu = DeployCpus.Parse(cpuText) ?? throw Error(cpuPath, $"is '{cpuText}'; expected one of {string.Join(", ", DeployCpus.Names)}.");

            var nodesPath = planPath.Then("nodes");
            var nodes = new List<NodeDecision>();
            var nodeArray = Arr(Need(plan, planPath, "nodes"), nodesPath);
            for (int i = 0; i < nodeArray.Count; i++)
            {
                var at = nodesPath.Then($"[{i}]");
                var entry = Obj(nodeArray[i] ?? throw Error(at, "must be an object."), at);
                string pass = Str(Need(entry, at, "pass"), at.Then("pass"));
                if (!passes.Contains(pass)) throw Error(at.Then("pass"), $"names '{pass}', which is not among the plan's passes ({string.Join(", ", passes)}).");
                if (!entry.TryGetPropertyValue("settings", out var s)) throw Error(at, "lacks the key 'settings' (an object of the pass's settings, or null to leave the node as it is).");
                var nodeSettings = s is null ? null : Obj(s, at.Then("settings")).DeepClone().AsObject();
                // "choice" is the settings in words, for readers of the file: what counts is "settings".
                if (entry["choice"] is { } c) Str(c, at.Then("choice"));
                string label = PlanNodes.Label(pass, nodeSettings);
                nodes.Add(new NodeDecision(Str(Need(entry, at, "node"), at.Then("node")), pass, nodeSettings, label));
            }

            QuantizationPlan? quantization = null;
            if (plan["quantization"] is { } qNode)
            {
                var qPath = planPath.Then("quantization");
                var q = Obj(qNode, qPath);
                string weights = Str(Need(q, qPath, "weights"), qPath.Then("weights"));
                if (weights is not ("pair-safe" or "full-range")) throw Error(qPath.Then("weights"), $"is '{weights}'; expected 'pair-safe' or 'full-range'.");
                var tensors = new List<QuantizedTensor>();
                var tensorArray = Arr(Need(q, qPath, "tensors"), qPath.Then("tensors"));
                for (int i = 0; i < tensorArray.Count; i++)
                {
                    var at = qPath.Then("tensors").Then($"[{i}]");
                    var t = Obj(tensorArray[i] ?? throw Error(at, "must be an object."), at);
                    float min = Single(Need(t, at, "min"), at.Then("min")), max = Single(Need(t, at, "max"), at.Then("max"));
                    if (min > max) throw Error(at.Then("min"), $"is {min}, above 'max' {max}.");
                    float scale = Single(Need(t, at, "scale"), at.Then("scale"));
                    if (!(scale > 0)) throw Error(at.Then("scale"), $"is {scale}; a scale must be positive.");
                    tensors.Add(new QuantizedTensor(Str(Need(t, at, "tensor"), at.Then("tensor")), min, max, scale, Int(Need(t, at, "zeroPoint"), at.Then("zeroPoint"))));
                }
                quantization = new QuantizationPlan(Str(Need(q, qPath, "calibration"), qPath.Then("calibration")), weights == "pair-safe", tensors);
            }
            // Pass sections of the plan's own; their keys are checked as the passes read them, on replay.
            JsonObject? planSettings = plan["settings"] is { } ps ? (JsonObject)Obj(ps, planPath.Then("settings")).DeepClone() : null;
            var fingerprint = new LockFingerprint(modelFile, modelSha, settings, data, tool);
            bool searched = plan["searched"] is { } sn && (sn is JsonValue sv && sv.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? sv.GetValue<bool>() : throw Error(planPath.Then("searched"), "must be true or false."));
            return new LockFile(fingerprint, budgets, new OptimizationPlan(passes, nodes, quantization, cpu) { Settings = planSettings, Searched = searched }) { SourcePath = file, Positions = positions };
        }
    }
}
