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

    private BudgetSet(Dictionary<string, Budget> budgets, bool? fidelityFloor = null)
    {
        _budgets = budgets;
        FidelityFloor = fidelityFloor;
    }

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
        if (budgets is null) return new BudgetSet(result);
        foreach (var (key, node) in budgets)
        {
            if (key == FidelityFloorKey)
            {
                floor = node is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? b.GetValue<bool>()
                    : throw new ModelOptException(ErrorCode.InvalidConfig, file, $"'budgets.{FidelityFloorKey}' must be true or false.");
                continue;
            }
            var definition = BudgetDefinition.FindByKey(key)
                ?? throw new ModelOptException(ErrorCode.InvalidConfig, file, $"unknown budget 'budgets.{key}'. Known budgets: {string.Join(", ", BudgetDefinition.All.Select(d => d.Key))} (and {FidelityFloorKey}: false).");
            string text = node switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new ModelOptException(ErrorCode.InvalidConfig, file, $"'budgets.{key}' must be a number or a string with a unit (e.g. \"5MB\")."),
            };
            result[key] = Parse(definition, text, $"budgets.{key}", ErrorCode.InvalidConfig, file);
        }
        return new BudgetSet(result, floor);
    }

    /// <summary>
    /// Reads budgets given by key (<c>maxFlops</c>) or by option name (<c>--max-flops</c>) with text
    /// values, as the command line and MSBuild metadata give them. Errors are <see cref="ErrorCode.InvalidArgument"/>.
    /// </summary>
    public static BudgetSet FromText(IEnumerable<KeyValuePair<string, string>> values)
    {
        var result = new Dictionary<string, Budget>(StringComparer.Ordinal);
        foreach (var (name, text) in values)
        {
            var definition = BudgetDefinition.All.FirstOrDefault(d => d.Key.Equals(name, StringComparison.OrdinalIgnoreCase) || d.Option == name)
                ?? throw new ModelOptException(ErrorCode.InvalidArgument, null, $"unknown budget '{name}'. Known budgets: {string.Join(", ", BudgetDefinition.All.Select(d => d.Key))}.");
            result[definition.Key] = Parse(definition, text, name.StartsWith("--", StringComparison.Ordinal) ? name : definition.Key, ErrorCode.InvalidArgument, null);
        }
        return new BudgetSet(result);
    }

    /// <summary>These budgets, with <paramref name="overrides"/> replacing any of the same key.</summary>
    public BudgetSet With(BudgetSet overrides)
    {
        var merged = new Dictionary<string, Budget>(_budgets, StringComparer.Ordinal);
        foreach (var (key, budget) in overrides._budgets) merged[key] = budget;
        return new BudgetSet(merged, overrides.FidelityFloor ?? FidelityFloor);
    }

    /// <summary>Only the budgets <paramref name="keep"/> accepts.</summary>
    public BudgetSet Where(Func<BudgetDefinition, bool> keep) =>
        new(_budgets.Where(kv => keep(kv.Value.Definition)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), FidelityFloor);

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
