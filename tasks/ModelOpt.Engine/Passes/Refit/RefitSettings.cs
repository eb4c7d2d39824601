using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>Which linear layers <c>refit</c> considers.</summary>
public enum RefitLayers
{
    /// <summary>The first linear layer after each compressed layer (He et al. 2017; ThiNet).</summary>
    AfterCompressed,

    /// <summary>Every linear layer whose weights or inputs differ from the teacher's.</summary>
    All,
}

/// <summary>
/// <c>"refit": { "layers": "after-compressed" | "all", "ridge": 1e-3, "maxPositionsPerSample": 64, "seed": 0 }</c>.
/// The ridge is relative: it adds <c>ridge × mean(diag XᵀX)</c> to the diagonal and pulls the
/// solution toward the layer's current weights, so few samples cannot push a layer far.
/// </summary>
public sealed record RefitSettings(RefitLayers Layers, double Ridge, int MaxPositionsPerSample, int Seed)
{
    public static RefitSettings Default { get; } = new(RefitLayers.AfterCompressed, 1e-3, 64, 0);

    public static RefitSettings From(JsonObject settings, string where)
    {
        var result = Default;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "layers":
                    string? text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
                    result = result with
                    {
                        Layers = text switch
                        {
                            "after-compressed" => RefitLayers.AfterCompressed,
                            "all" => RefitLayers.All,
                            _ => throw new ArgumentException($"{where}: 'refit.layers' must be \"after-compressed\" or \"all\"."),
                        },
                    };
                    break;
                case "ridge":
                    double ridge = Number(value, "ridge", where);
                    if (!(ridge >= 0) || double.IsInfinity(ridge)) throw new ArgumentException($"{where}: 'refit.ridge' must be a finite number ≥ 0, got {ridge}.");
                    result = result with { Ridge = ridge };
                    break;
                case "maxPositionsPerSample":
                    double positions = Number(value, "maxPositionsPerSample", where);
                    if (positions < 1 || positions != Math.Floor(positions) || positions > int.MaxValue)
                        throw new ArgumentException($"{where}: 'refit.maxPositionsPerSample' must be a whole number ≥ 1.");
                    result = result with { MaxPositionsPerSample = (int)positions };
                    break;
                case "seed":
                    double seed = Number(value, "seed", where);
                    if (seed < 0 || seed != Math.Floor(seed) || seed > int.MaxValue) throw new ArgumentException($"{where}: 'refit.seed' must be a whole number ≥ 0.");
                    result = result with { Seed = (int)seed };
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'refit.{key}' (expected 'layers', 'ridge', 'maxPositionsPerSample' or 'seed').");
            }
        }
        return result;
    }

    private static double Number(JsonNode? value, string key, string where) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>()
        : throw new ArgumentException($"{where}: 'refit.{key}' must be a number.");
}
