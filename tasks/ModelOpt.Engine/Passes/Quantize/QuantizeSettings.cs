using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Quantize;

public enum QuantizeMode { Static, Dynamic, Int4 }

public enum CalibrationMethod { MinMax, Percentile, Entropy }

public enum Int4Algorithm { Rtn, Gptq }

/// <summary>
/// The <c>quantize</c> settings (documented in docs/config.md). Every key that does not apply to
/// the chosen mode is an error rather than silently ignored, so a config says what it does.
/// </summary>
public sealed record QuantizeSettings
{
    public QuantizeMode Mode { get; init; } = QuantizeMode.Static;
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.MinMax;
    public bool PerChannel { get; init; } = true;
    /// <summary>Activations as uint8 (the default: with int8 weights it is what ORT's VNNI kernels run fastest, see docs/config.md).</summary>
    public bool ActivationsSigned { get; init; }
    public bool KeepFirst { get; init; }
    public bool KeepLast { get; init; }
    public bool KeepDepthwise { get; init; }
    /// <summary>Keep the stem float: the convs from the input up to the first whose output is below a quarter of the input's resolution.</summary>
    public bool KeepStem { get; init; }
    public IReadOnlySet<string> ExcludedOpTypes { get; init; } = new HashSet<string>();
    public IReadOnlyList<Regex> ExcludedNodes { get; init; } = [];
    public int BlockSize { get; init; } = 32;
    /// <summary>Static: symmetric int8 activations; int4: symmetric weights (no zero points).</summary>
    public bool Symmetric { get; init; }
    public Int4Algorithm Algorithm { get; init; } = Int4Algorithm.Rtn;
    public double Percentile { get; init; } = 99.99;
    public bool AllowSlower { get; init; }
    /// <summary>Pair-safe int8 weight scales (see <see cref="WeightRange"/>); null: only on CPUs whose int8 kernels would saturate.</summary>
    public bool? ReduceRange { get; init; }
    /// <summary>Static/dynamic: int8 slower than the original fails the run instead of being skipped with a warning.</summary>
    public bool Required { get; init; }
    /// <summary>Static, opt-in: HardSwish between quantized ops as a quantized Add and Mul instead of a float island (3–5 % faster on det, but its rounding of HardSigmoid costs cosine at small sizes: measured, docs/benchmarks.md).</summary>
    public bool IntegerHardSwish { get; init; }
    /// <summary>Static, opt-in (neutral to slightly worse on det's held-out pages: measured, docs/benchmarks.md): subtract each quantized conv's expected output shift (W_q − W)·E[x], measured on the calibration stream, from its bias (Nagel et al. 2019).</summary>
    public bool BiasCorrection { get; init; }

    public bool Excludes(Node node) => ExcludedOpTypes.Contains(node.OpType) || ExcludedNodes.Any(r => r.IsMatch(node.Name));

    public static QuantizeSettings From(JsonObject json, string file)
    {
        var s = new QuantizeSettings();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in json)
        {
            seen.Add(key);
            s = key switch
            {
                "mode" => s with { Mode = Enum(value, key, file, ("static", QuantizeMode.Static), ("dynamic", QuantizeMode.Dynamic), ("int4", QuantizeMode.Int4)) },
                "calibration" => s with { Calibration = Enum(value, key, file, ("minmax", CalibrationMethod.MinMax), ("percentile", CalibrationMethod.Percentile), ("entropy", CalibrationMethod.Entropy)) },
                "perChannel" => s with { PerChannel = Bool(value, key, file) },
                "activationType" => s with { ActivationsSigned = Enum(value, key, file, ("uint8", false), ("int8", true)) },
                "keepFloat" => WithKeepFloat(s, value, file),
                "exclude" => WithExclude(s, value, file),
                "blockSize" => s with { BlockSize = Enum(value, key, file, ("32", 32), ("64", 64), ("128", 128)) },
                "symmetric" => s with { Symmetric = Bool(value, key, file) },
                "algorithm" => s with { Algorithm = Enum(value, key, file, ("rtn", Int4Algorithm.Rtn), ("gptq", Int4Algorithm.Gptq)) },
                "percentile" => s with { Percentile = Number(value, key, file) },
                "allowSlower" => s with { AllowSlower = Bool(value, key, file) },
                "reduceRange" => s with { ReduceRange = value is null ? null : Bool(value, key, file) },
                "required" => s with { Required = Bool(value, key, file) },
                "integerHardSwish" => s with { IntegerHardSwish = Bool(value, key, file) },
                "biasCorrection" => s with { BiasCorrection = Bool(value, key, file) },
                _ => throw Error(file, $"unknown setting 'quantize.{key}' (expected mode, calibration, perChannel, activationType, keepFloat, exclude, blockSize, symmetric, algorithm, percentile, allowSlower, required, reduceRange, integerHardSwish or biasCorrection)."),
            };
        }
        if (!seen.Contains("symmetric") && s.Mode == QuantizeMode.Int4) s = s with { Symmetric = true };
        Check(s, seen, file);
        return s;
    }

    private static void Check(QuantizeSettings s, HashSet<string> seen, string file)
    {
        void Only(string key, bool allowed, string why)
        {
            if (seen.Contains(key) && !allowed) throw Error(file, $"'quantize.{key}' {why}.");
        }
        var m = s.Mode;
        Only("calibration", m == QuantizeMode.Static, "applies only to mode 'static' (dynamic and int4 compute weight ranges exactly; int4 uses calibration data only with algorithm 'gptq')");
        Only("activationType", m == QuantizeMode.Static, "applies only to mode 'static' (dynamic quantization always uses uint8 activations: DynamicQuantizeLinear has no int8 form)");
        Only("perChannel", m != QuantizeMode.Int4, "does not apply to mode 'int4', which is always blockwise (set 'blockSize')");
        Only("blockSize", m == QuantizeMode.Int4, "applies only to mode 'int4'");
        Only("algorithm", m == QuantizeMode.Int4, "applies only to mode 'int4'");
        Only("symmetric", m != QuantizeMode.Dynamic, "does not apply to mode 'dynamic' (weights are always symmetric int8, activations asymmetric uint8)");
        Only("percentile", m == QuantizeMode.Static && s.Calibration == CalibrationMethod.Percentile, "applies only with \"calibration\": \"percentile\"");
        Only("allowSlower", m == QuantizeMode.Static || m == QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 is a size optimization)");
        Only("required", m == QuantizeMode.Static || m == QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 is a size optimization, never skipped for speed)");
        Only("integerHardSwish", m == QuantizeMode.Static, "applies only to mode 'static'");
        Only("reduceRange", m == QuantizeMode.Static || m == QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 weights are dequantized to float before the product)");
        Only("biasCorrection", m == QuantizeMode.Static, "applies only to mode 'static' (it needs the calibration stream)");
        Only("keepFloat", m != QuantizeMode.Int4, "does not apply to mode 'int4' (use 'exclude')");
        if (s.KeepDepthwise && m != QuantizeMode.Static)
            throw Error(file, "'quantize.keepFloat' value 'depthwise' applies only to mode 'static' (dynamic quantization never touches convs).");
        if (m == QuantizeMode.Static && s.Symmetric && !s.ActivationsSigned)
            throw Error(file, "'quantize.symmetric' needs \"activationType\": \"int8\" (symmetric uint8 activations would waste half the range).");
        if (seen.Contains("percentile") && s.Percentile is <= 50 or > 100)
            throw Error(file, $"'quantize.percentile' must be in (50, 100], got {s.Percentile}.");
    }

    private static QuantizeSettings WithKeepFloat(QuantizeSettings s, JsonNode? value, string file)
    {
        if (value is not JsonArray array) throw Error(file, "'quantize.keepFloat' must be an array of \"first\", \"last\", \"depthwise\", \"stem\".");
        foreach (var item in array)
        {
            string v = item is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : "";
            s = v switch
            {
                "first" => s with { KeepFirst = true },
                "last" => s with { KeepLast = true },
                "depthwise" => s with { KeepDepthwise = true },
                "stem" => s with { KeepStem = true },
                _ => throw Error(file, $"'quantize.keepFloat' holds '{item?.ToJsonString()}'; expected \"first\", \"last\", \"depthwise\" or \"stem\"."),
            };
        }
        return s;
    }

    private static QuantizeSettings WithExclude(QuantizeSettings s, JsonNode? value, string file)
    {
        if (value is not JsonObject obj) throw Error(file, "'quantize.exclude' must be an object like { \"opTypes\": [\"Add\"], \"nodes\": [\"^head\\\\.\"] }.");
        var types = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<Regex>();
        foreach (var (key, list) in obj)
        {
            if (key is not ("opTypes" or "nodes")) throw Error(file, $"unknown key 'quantize.exclude.{key}' (expected 'opTypes' or 'nodes').");
            if (list is not JsonArray array || array.Any(i => i is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
                throw Error(file, $"'quantize.exclude.{key}' must be an array of strings.");
            foreach (var item in array.Select(i => i!.GetValue<string>()))
            {
                if (key == "opTypes") types.Add(item);
                else
                {
                    try
                    {
                        nodes.Add(new Regex(item, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
                    }
                    catch (ArgumentException e)
                    {
                        throw Error(file, $"'quantize.exclude.nodes' holds '{item}', which is not a valid regular expression: {e.Message}");
                    }
                }
            }
        }
        return s with { ExcludedOpTypes = types, ExcludedNodes = nodes };
    }

    private static T Enum<T>(JsonNode? value, string key, string file, params (string Name, T Value)[] choices)
    {
        string? text = value is JsonValue v ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            _ => null,
        } : null;
        foreach (var (name, result) in choices)
            if (name == text) return result;
        throw Error(file, $"'quantize.{key}' must be one of {string.Join(", ", choices.Select(c => c.Name))}; got {value?.ToJsonString() ?? "null"}.");
    }

    private static bool Bool(JsonNode? value, string key, string file) =>
        value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>()
        : throw Error(file, $"'quantize.{key}' must be true or false.");

    private static double Number(JsonNode? value, string key, string file) =>
        value is JsonValue v && v.TryGetValue(out double d) ? d : throw Error(file, $"'quantize.{key}' must be a number.");

    internal static ModelOptException Error(string file, string message) => new(ErrorCode.InvalidConfig, file, message);
}
