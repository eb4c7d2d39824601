namespace ModelOpt.Engine.Config;

/// <summary>What seeded synthetic calibration samples look like when no folder is given.</summary>
public enum SyntheticKind
{
    /// <summary>Uniform noise in [0, 1): checks the mechanics, says little about real ranges.</summary>
    Noise,

    /// <summary>Page-like images with text strokes, ImageNet-normalized (OCR and other image models; see SyntheticDocuments).</summary>
    Pages,
}

/// <summary>
/// <c>"calibration": { "data": "calib/", "samples": 64, "seed": 0, "synthetic": "noise" }</c>:
/// where calibration samples come from (a folder, relative to the config file) and how many to use.
/// </summary>
public sealed record CalibrationConfig : ISettings
{
    public const int DefaultSamples = 64;

    /// <summary>The folder of samples; <see cref="OptimizeConfig"/> makes it absolute (relative to the config file).</summary>
    public string? Data { get; init; }

    public int Samples { get; init; } = DefaultSamples;

    public int Seed { get; init; }

    public SyntheticKind Synthetic { get; init; } = SyntheticKind.Noise;

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (Samples < 1) yield return new("samples", $"must be a positive integer, got {Samples}.");
        if (Seed < 0) yield return new("seed", $"must be a non-negative integer, got {Seed}.");
        if (Data is { Length: 0 }) yield return new("data", "must be a folder path, got an empty string.");
    }
}
