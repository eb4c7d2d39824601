using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Prune;

public enum PruneMode
{
    /// <summary>Physically removes whole channels (filters and the inputs that read them).</summary>
    Structured,
    /// <summary>Zeroes individual weights of smallest magnitude; shapes do not change.</summary>
    Unstructured,
}

public enum PruneImportance { L1, L2 }

public enum PruneScope
{
    /// <summary>Every layer (channel group) loses the same fraction.</summary>
    Layer,
    /// <summary>One threshold over the whole model, so unimportant layers lose more.</summary>
    Global,
}

/// <summary>
/// The <c>prune</c> settings of modelopt.json (documented in docs/config.md). Per-node overrides
/// may change <see cref="Ratio"/>; the other keys describe the whole run and are read from the
/// pass's global settings.
/// </summary>
public sealed record PruneSettings(PruneMode Mode, double Ratio, bool RatioGiven, int RoundTo, PruneImportance Importance, PruneScope Scope, double? TargetFlops)
{
    public const double DefaultRatio = 0.5;

    /// <summary>The ratio cap a FLOP-targeted search uses when no ratio is given.</summary>
    public const double DefaultTargetSearchCap = 0.9;

    public static PruneSettings Default { get; } = new(PruneMode.Structured, DefaultRatio, false, 1, PruneImportance.L1, PruneScope.Layer, null);

    /// <summary>Reads settings; a malformed value throws <see cref="ArgumentException"/> naming the key.</summary>
    public static PruneSettings From(JsonObject settings, string where)
    {
        var result = Default;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "mode":
                    result = result with { Mode = Enum(value, key, where, ("structured", PruneMode.Structured), ("unstructured", PruneMode.Unstructured)) };
                    break;
                case "ratio":
                    double ratio = Number(value, key, where);
                    if (ratio is < 0 or >= 1) throw new ArgumentException($"{where}: 'prune.ratio' must be in [0, 1) (the fraction removed), got {ratio}.");
                    result = result with { Ratio = ratio, RatioGiven = true };
                    break;
                case "roundTo":
                    double roundTo = Number(value, key, where);
                    if (roundTo < 1 || roundTo != Math.Floor(roundTo) || roundTo > 4096)
                        throw new ArgumentException($"{where}: 'prune.roundTo' must be a whole number from 1 to 4096, got {roundTo}.");
                    result = result with { RoundTo = (int)roundTo };
                    break;
                case "importance":
                    result = result with { Importance = Enum(value, key, where, ("l1", PruneImportance.L1), ("l2", PruneImportance.L2)) };
                    break;
                case "scope":
                    result = result with { Scope = Enum(value, key, where, ("layer", PruneScope.Layer), ("global", PruneScope.Global)) };
                    break;
                case "targetFlops":
                    double flops = Number(value, key, where);
                    if (!(flops > 0)) throw new ArgumentException($"{where}: 'prune.targetFlops' must be a positive number of FLOPs, got {flops}.");
                    result = result with { TargetFlops = flops };
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'prune.{key}' (expected mode, ratio, roundTo, importance, scope or targetFlops).");
            }
        }
        return result;
    }

    private static double Number(JsonNode? value, string key, string where)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
        throw new ArgumentException($"{where}: 'prune.{key}' must be a number.");
    }

    private static T Enum<T>(JsonNode? value, string key, string where, params (string Name, T Value)[] choices)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            string text = v.GetValue<string>();
            foreach (var (name, choice) in choices)
                if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return choice;
        }
        throw new ArgumentException($"{where}: 'prune.{key}' must be one of {string.Join(", ", choices.Select(c => $"\"{c.Name}\""))}, got {value?.ToJsonString() ?? "null"}.");
    }
}
