using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Engine.Budgets;

/// <summary>
/// The budgets of one run: from <c>modelopt.json</c>'s <c>budgets</c> object, from command-line
/// options or MSBuild metadata (all keyed the same way), the command line winning key by key.
/// </summary>
public sealed class BudgetSet
{
    private readonly Dictionary<string, Budget> _budgets;

    private readonly double? _confidence;
    private readonly double? _cosinePercentile;

    private BudgetSet(Dictionary<string, Budget> budgets, bool? fidelityFloor = null, double? confidence = null, double? cosinePercentile = null)
    {
        _budgets = budgets;
        FidelityFloor = fidelityFloor;
        _confidence = confidence;
        _cosinePercentile = cosinePercentile;
    }

    /// <summary>The confidence level output budgets are judged at when none is given.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>The key (and MSBuild metadata <c>Confidence</c>, option <c>--confidence</c>) of the confidence level.</summary>
    public const string ConfidenceKey = "confidence";

    /// <summary>The key (and MSBuild metadata <c>CosinePercentile</c>, option <c>--cosine-percentile</c>) of the share of samples <c>minCosine</c> may leave below it.</summary>
    public const string CosinePercentileKey = "cosinePercentile";

    /// <summary>
    /// The confidence level of the bounds output budgets are judged by (docs/validation.md): a budget
    /// is kept when the one-sided bound at this level keeps it. Default <see cref="DefaultConfidence"/>.
    /// </summary>
    public double Confidence => _confidence ?? DefaultConfidence;

    /// <summary>
    /// Which per-sample cosine <c>minCosine</c> judges: 0 (the default) the worst sample; above 0 that
    /// low percentile of samples (0.05: the 5th), with its lower confidence bound.
    /// </summary>
    public double CosinePercentile => _cosinePercentile ?? 0;

    /// <summary>The config's <c>"fidelityFloor"</c>: false switches off the default output check (docs/validation.md); null when not given.</summary>
    public bool? FidelityFloor { get; }

    public static BudgetSet None { get; } = new([]);

    /// <summary>The key in <c>budgets</c> that switches the default fidelity floor on or off.</summary>
    public const string FidelityFloorKey = "fidelityFloor";

    /// <summary>In the order of <see cref="BudgetDefinition.All"/>.</summary>
    public IReadOnlyList<Budget> All => BudgetDefinition.All.Where(d => _budgets.ContainsKey(d.Key)).Select(d => _budgets[d.Key]).ToList();

    public bool IsEmpty => _budgets.Count == 0;

    public Budget? this[BudgetDefinition definition] => _budgets.GetValueOrDefault(definition.Key);

    public bool NeedsOutputs => All.Any(b => b.Definition.NeedsOutputs);

    public bool NeedsLatency => All.Any(b => b.Definition.NeedsLatency);

    /// <summary>
    /// Reads <c>"budgets": { "maxFlops": "500K", "maxAccuracyDrop": 0.5 }</c>; values are numbers or
    /// strings with units. Errors are <see cref="ErrorCode.InvalidConfig"/> naming the key.
    /// </summary>
    public static BudgetSet FromConfig(JsonObject? budgets, string file)
    {
        var result = new Dictionary<string, Budget>(StringComparer.Ordinal);
        bool? floor = null;
        double? confidence = null, percentile = null;
        if (budgets is null) return new BudgetSet(result);
        foreach (var (key, node) in budgets)
        {
            if (key == FidelityFloorKey)
            {
                floor = node is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? b.GetValue<bool>()
                    : throw new ModelOptException(ErrorCode.InvalidConfig, file, $"'budgets.{FidelityFloorKey}' must be true or false.");
                continue;
            }
            if (key is ConfidenceKey or CosinePercentileKey)
            {
                string setting = node is JsonValue sv && sv.GetValueKind() is JsonValueKind.Number or JsonValueKind.String
                    ? (sv.GetValueKind() == JsonValueKind.Number ? sv.ToJsonString() : sv.GetValue<string>())
                    : throw new ModelOptException(ErrorCode.InvalidConfig, file, $"'budgets.{key}' must be a number (e.g. 0.95) or a percentage (\"95%\").");
                if (key == ConfidenceKey) confidence = ParseSetting(key, setting, $"budgets.{key}", ErrorCode.InvalidConfig, file);
                else percentile = ParseSetting(key, setting, $"budgets.{key}", ErrorCode.InvalidConfig, file);
                continue;
            }
            var definition = BudgetDefinition.FindByKey(key)
                ?? throw new ModelOptException(ErrorCode.InvalidConfig, file, $"unknown budget 'budgets.{key}'. Known budgets: {string.Join(", ", BudgetDefinition.All.Select(d => d.Key))} (and {FidelityFloorKey}: false, {ConfidenceKey}, {CosinePercentileKey}).");
            string text = node switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new ModelOptException(ErrorCode.InvalidConfig, file, $"'budgets.{key}' must be a number or a string with a unit (e.g. \"5MB\")."),
            };
            result[key] = Parse(definition, text, $"budgets.{key}", ErrorCode.InvalidConfig, file);
        }
        return new BudgetSet(result, floor, confidence, percentile);
    }

    /// <summary>
    /// Reads budgets given by key (<c>maxFlops</c>) or by option name (<c>--max-flops</c>) with text
    /// values, as the command line and MSBuild metadata give them. Errors are <see cref="ErrorCode.InvalidArgument"/>.
    /// </summary>
    public static BudgetSet FromText(IEnumerable<KeyValuePair<string, string>> values)
    {
        var result = new Dictionary<string, Budget>(StringComparer.Ordinal);
        double? confidence = null, percentile = null;
        foreach (var (name, text) in values)
        {
            if (SettingKey(name) is { } setting)
            {
                string source = name.StartsWith("--", StringComparison.Ordinal) ? name : setting;
                if (setting == ConfidenceKey) confidence = ParseSetting(setting, text, source, ErrorCode.InvalidArgument, null);
                else percentile = ParseSetting(setting, text, source, ErrorCode.InvalidArgument, null);
                continue;
            }
            var definition = BudgetDefinition.All.FirstOrDefault(d => d.Key.Equals(name, StringComparison.OrdinalIgnoreCase) || d.Option == name)
                ?? throw new ModelOptException(ErrorCode.InvalidArgument, null, $"unknown budget '{name}'. Known budgets: {string.Join(", ", BudgetDefinition.All.Select(d => d.Key))}.");
            result[definition.Key] = Parse(definition, text, name.StartsWith("--", StringComparison.Ordinal) ? name : definition.Key, ErrorCode.InvalidArgument, null);
        }
        return new BudgetSet(result, null, confidence, percentile);
    }

    /// <summary>These budgets, with <paramref name="overrides"/> replacing any of the same key.</summary>
    public BudgetSet With(BudgetSet overrides)
    {
        var merged = new Dictionary<string, Budget>(_budgets, StringComparer.Ordinal);
        foreach (var (key, budget) in overrides._budgets) merged[key] = budget;
        return new BudgetSet(merged, overrides.FidelityFloor ?? FidelityFloor, overrides._confidence ?? _confidence, overrides._cosinePercentile ?? _cosinePercentile);
    }

    /// <summary>Only the budgets <paramref name="keep"/> accepts.</summary>
    public BudgetSet Where(Func<BudgetDefinition, bool> keep) =>
        new(_budgets.Where(kv => keep(kv.Value.Definition)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), FidelityFloor, _confidence, _cosinePercentile);

    /// <summary>The same judging settings (confidence, cosine percentile, floor) with other budgets: the default fidelity floor's, say.</summary>
    public BudgetSet WithBudgets(IEnumerable<Budget> budgets) =>
        new(budgets.ToDictionary(b => b.Definition.Key, b => b, StringComparer.Ordinal), FidelityFloor, _confidence, _cosinePercentile);

    /// <summary>The confidence level and cosine percentile as given (key → text), for reports; empty when neither was.</summary>
    public IReadOnlyDictionary<string, string> JudgingSettings()
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_confidence is double c) given[ConfidenceKey] = Quantity.Format(c, QuantityKind.Fraction);
        if (_cosinePercentile is double p) given[CosinePercentileKey] = Quantity.Format(p, QuantityKind.Fraction);
        return given;
    }

    // confidence / --confidence / Confidence, cosinePercentile / --cosine-percentile / CosinePercentile.
    private static string? SettingKey(string name) =>
        name.Equals(ConfidenceKey, StringComparison.OrdinalIgnoreCase) || name == "--confidence" ? ConfidenceKey
        : name.Equals(CosinePercentileKey, StringComparison.OrdinalIgnoreCase) || name == "--cosine-percentile" ? CosinePercentileKey
        : null;

    // A confidence level in [0.5, 0.999]; a percentile in [0, 0.5]: beyond, a bound says nothing useful.
    private static double ParseSetting(string key, string text, string source, ErrorCode code, string? file)
    {
        double value;
        try
        {
            value = Quantity.Parse(text, QuantityKind.Fraction);
        }
        catch (FormatException e)
        {
            throw new ModelOptException(code, file, $"{source}: {e.Message}");
        }
        var (low, high) = key == ConfidenceKey ? (0.5, 0.999) : (0.0, 0.5);
        if (value < low || value > high)
            throw new ModelOptException(code, file, $"{source}: '{text}' must be between {low.ToString(System.Globalization.CultureInfo.InvariantCulture)} and {high.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                + (key == ConfidenceKey ? " (a confidence level such as 0.95)." : " (the share of samples minCosine may leave below it, such as 0.05; 0 judges the worst sample)."));
        return value;
    }

    private static Budget Parse(BudgetDefinition definition, string text, string source, ErrorCode code, string? file)
    {
        try
        {
            return new Budget(definition, Quantity.Parse(text, definition.Kind), source);
        }
        catch (FormatException e)
        {
            throw new ModelOptException(code, file, $"{source}: {e.Message}");
        }
    }
}
