using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Quantize;

public enum QuantizeMode { Static, Dynamic, Int4 }

public enum CalibrationMethod
{
    [JsonStringEnumMemberName("minmax")] MinMax,
    Percentile,
    Entropy,
    /// <summary>Per tensor, the range with the least expected squared quantization error (<see cref="MseRange"/>).</summary>
    [JsonStringEnumMemberName("mse")] Mse,
    /// <summary>MinMax, a percentile or mse, whichever keeps the model's outputs closest to float on the calibration samples.</summary>
    Auto,
}

public enum Int4Algorithm { Rtn, Gptq }

/// <summary>The element type of quantized activations (static mode).</summary>
public enum ActivationType { Uint8, Int8 }

/// <summary>Layers <c>keepFloat</c> keeps in float32.</summary>
public enum KeepFloatLayer { First, Last, Depthwise, Stem }

/// <summary><c>"exclude": { "opTypes": ["Add"], "nodes": ["^head\\."] }</c>: op types and node-name patterns left float.</summary>
public sealed record QuantizeExclusion : ISettings
{
    public IReadOnlyList<string> OpTypes
    {
        get;
        init
        {
            field = value;
            OpTypeSet = new HashSet<string>(value, StringComparer.Ordinal);
        }
    } = [];

    /// <summary>Regular expressions matched against node names.</summary>
    public IReadOnlyList<string> Nodes
    {
        get;
        init
        {
            field = value;
            Patterns = value.Select(TryCompile).OfType<Regex>().ToList();
        }
    } = [];

    [JsonIgnore]
    public IReadOnlySet<string> OpTypeSet { get; private init; } = new HashSet<string>();

    [JsonIgnore]
    public IReadOnlyList<Regex> Patterns { get; private init; } = [];

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        foreach (var pattern in Nodes)
        {
            string? error = null;
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                error = e.Message;
            }
            if (error is not null) yield return new("nodes", $"holds '{pattern}', which is not a valid regular expression: {error}");
        }
    }

    private static Regex? TryCompile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null; // reported by Check
        }
    }
}

/// <summary>
/// The <c>quantize</c> settings (documented in docs/config.md). Every key that does not apply to
/// the chosen mode is an error rather than silently ignored, so a config says what it does.
/// </summary>
public sealed record QuantizeSettings : ISettings
{
    public QuantizeMode Mode { get; init; } = QuantizeMode.Static;
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.Auto;
    public bool PerChannel { get; init; } = true;
    /// <summary>Activations as uint8 (the default: with int8 weights it is what ORT's VNNI kernels run fastest, see docs/config.md).</summary>
    public ActivationType ActivationType { get; init; } = ActivationType.Uint8;
    public IReadOnlyList<KeepFloatLayer> KeepFloat { get; init; } = [];
    public QuantizeExclusion Exclude { get; init; } = new();
    /// <summary>Int4: weights per scale along K (32, 64 or 128).</summary>
    public int BlockSize { get; init; } = 32;
    /// <summary>As written; null: symmetric for int4, asymmetric for static (see <see cref="Symmetric"/>).</summary>
    [JsonPropertyName("symmetric")]
    public bool? GivenSymmetric { get; init; }
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

    /// <summary>
    /// Static: MatMul/Gemm layers as dynamic int8 (DynamicQuantizeMatMul, their input quantized at run
    /// time) instead of QDQ, the other layers static. Null (the default): static, and the search weighs
    /// dynamic against static per layer; set per node to choose for one layer.
    /// </summary>
    public bool? DynamicMatMul { get; init; }

    [JsonIgnore] public bool ActivationsSigned => ActivationType == ActivationType.Int8;
    /// <summary>Static: symmetric int8 activations; int4: symmetric weights (no zero points).</summary>
    [JsonIgnore] public bool Symmetric => GivenSymmetric ?? Mode == QuantizeMode.Int4;
    [JsonIgnore] public bool KeepFirst => KeepFloat.Contains(KeepFloatLayer.First);
    [JsonIgnore] public bool KeepLast => KeepFloat.Contains(KeepFloatLayer.Last);
    [JsonIgnore] public bool KeepDepthwise => KeepFloat.Contains(KeepFloatLayer.Depthwise);
    /// <summary>Keep the stem float: the convs from the input up to the first whose output is below a quarter of the input's resolution.</summary>
    [JsonIgnore] public bool KeepStem => KeepFloat.Contains(KeepFloatLayer.Stem);

    public bool Excludes(Node node) => Exclude.OpTypeSet.Contains(node.OpType) || Exclude.Patterns.Any(r => r.IsMatch(node.Name));

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        var m = Mode;
        var problems = new List<SettingProblem>();
        void Only(string key, bool allowed, string why)
        {
            if (given.Contains(key) && !allowed) problems.Add(new(key, why + "."));
        }
        Only("calibration", m == QuantizeMode.Static, "applies only to mode 'static' (dynamic and int4 compute weight ranges exactly; int4 uses calibration data only with algorithm 'gptq')");
        Only("activationType", m == QuantizeMode.Static, "applies only to mode 'static' (dynamic quantization always uses uint8 activations: DynamicQuantizeLinear has no int8 form)");
        Only("perChannel", m != QuantizeMode.Int4, "does not apply to mode 'int4', which is always blockwise (set 'blockSize')");
        Only("blockSize", m == QuantizeMode.Int4, "applies only to mode 'int4'");
        Only("algorithm", m == QuantizeMode.Int4, "applies only to mode 'int4'");
        Only("symmetric", m != QuantizeMode.Dynamic, "does not apply to mode 'dynamic' (weights are always symmetric int8, activations asymmetric uint8)");
        Only("percentile", m == QuantizeMode.Static && Calibration == CalibrationMethod.Percentile, "applies only with \"calibration\": \"percentile\"");
        Only("allowSlower", m is QuantizeMode.Static or QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 is a size optimization)");
        Only("required", m is QuantizeMode.Static or QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 is a size optimization, never skipped for speed)");
        Only("integerHardSwish", m == QuantizeMode.Static, "applies only to mode 'static'");
        Only("reduceRange", m == QuantizeMode.Static || m == QuantizeMode.Dynamic, "applies only to modes 'static' and 'dynamic' (int4 weights are dequantized to float before the product)");
        Only("biasCorrection", m == QuantizeMode.Static, "applies only to mode 'static' (it needs the calibration stream)");
        Only("dynamicMatMul", m == QuantizeMode.Static, "applies only to mode 'static' (mode 'dynamic' makes every MatMul/Gemm dynamic int8 and leaves the rest float)");
        Only("keepFloat", m != QuantizeMode.Int4, "does not apply to mode 'int4' (use 'exclude')");
        if (KeepDepthwise && m == QuantizeMode.Dynamic)
            problems.Add(new("keepFloat", "value 'depthwise' applies only to mode 'static' (dynamic quantization never touches convs)."));
        if (m == QuantizeMode.Static && Symmetric && !ActivationsSigned)
            problems.Add(new("symmetric", "needs \"activationType\": \"int8\" (symmetric uint8 activations would waste half the range)."));
        if (m == QuantizeMode.Int4 && BlockSize is not (32 or 64 or 128))
            problems.Add(new("blockSize", $"must be one of 32, 64, 128, got {BlockSize}."));
        if (given.Contains("percentile") && Percentile is <= 50 or > 100)
            problems.Add(new("percentile", $"must be in (50, 100], got {Percentile}."));
        if (AllowSlower && Required)
            problems.Add(new("required", "contradicts 'allowSlower': one says a slower int8 model is acceptable, the other that it is an error; keep one."));
        return problems;
    }
}
