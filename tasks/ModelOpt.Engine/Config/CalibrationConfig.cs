using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Config;

/// <summary>What seeded synthetic calibration samples look like when no folder is given.</summary>
public enum SyntheticKind
{
    /// <summary>Uniform noise in [0, 1): checks the mechanics, says little about real ranges.</summary>
    Noise,

    /// <summary>Page-like images with text strokes, ImageNet-normalized (OCR and other image models; see SyntheticDocuments).</summary>
    Pages,
}

/// <summary>Where calibration samples come from: a folder of tensors (relative to the config file) and how many to use.</summary>
public sealed record CalibrationConfig(string? Data, int Samples, int Seed, SyntheticKind Synthetic = SyntheticKind.Noise)
{
    public const int DefaultSamples = 64;

    internal static CalibrationConfig From(JsonNode node, string file)
    {
        if (node is not JsonObject obj) throw OptimizeConfig.Error(file, "'calibration' must be an object like { \"data\": \"calib/\", \"samples\": 64 }.");
        string? data = null;
        int samples = DefaultSamples, seed = 0;
        var synthetic = SyntheticKind.Noise;
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "data":
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String) throw OptimizeConfig.Error(file, "'calibration.data' must be a folder path.");
                    data = v.GetValue<string>();
                    if (!Path.IsPathRooted(data) && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir) data = Path.GetFullPath(Path.Combine(dir, data));
                    break;
                case "samples":
                    samples = PositiveInt(value, "calibration.samples", file);
                    break;
                case "seed":
                    seed = PositiveInt(value, "calibration.seed", file, allowZero: true);
                    break;
                case "synthetic":
                    synthetic = value is JsonValue sv && sv.GetValueKind() == JsonValueKind.String ? sv.GetValue<string>() switch
                    {
                        "noise" => SyntheticKind.Noise,
                        "pages" => SyntheticKind.Pages,
                        _ => throw OptimizeConfig.Error(file, "'calibration.synthetic' must be \"noise\" or \"pages\"."),
                    } : throw OptimizeConfig.Error(file, "'calibration.synthetic' must be \"noise\" or \"pages\".");
                    break;
                default:
                    throw OptimizeConfig.Error(file, $"unknown key 'calibration.{key}' (expected 'data', 'samples', 'seed' or 'synthetic').");
            }
        }
        return new CalibrationConfig(data, samples, seed, synthetic);
    }

    private static int PositiveInt(JsonNode? value, string key, string file, bool allowZero = false)
    {
        if (value is JsonValue v && v.TryGetValue(out int n) && (n > 0 || (allowZero && n == 0))) return n;
        throw OptimizeConfig.Error(file, $"'{key}' must be a {(allowZero ? "non-negative" : "positive")} integer.");
    }
}
