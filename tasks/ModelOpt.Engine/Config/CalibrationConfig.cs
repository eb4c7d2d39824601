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
    /// <summary>The default number of samples for models that cost more than <see cref="DefaultWork"/> / 64 FLOPs a sample.</summary>
    public const int DefaultSamples = 64;

    /// <summary>The most samples the default takes, however cheap the model.</summary>
    public const int MaxDefaultSamples = 1024;

    /// <summary>FLOPs of forward passes the default sample count may spend on a cheap model (≈ a second of CPU).</summary>
    public const double DefaultWork = 2e9;

    /// <summary>
    /// How many samples to calibrate on when the user does not say: <see cref="DefaultSamples"/>, or
    /// as many as <see cref="DefaultWork"/> buys (up to <see cref="MaxDefaultSamples"/>) for a model
    /// whose sample costs little. More samples cost a small model nothing, and a refit of a Gemm gets
    /// one equation per sample: 64 samples cannot pin down a layer with hundreds of inputs.
    /// </summary>
    public static int DefaultSamplesFor(long? flopsPerSample) =>
        flopsPerSample is long f && f > 0 ? (int)Math.Clamp(DefaultWork / f, DefaultSamples, MaxDefaultSamples) : DefaultSamples;

    /// <summary>The folder of samples; <see cref="OptimizeConfig"/> makes it absolute (relative to the config file).</summary>
    public string? Data { get; init; }

    /// <summary>How many samples to use; null: not given, <see cref="DefaultSamplesFor"/> decides.</summary>
    public int? Samples { get; init; }

    public int Seed { get; init; }

    public SyntheticKind Synthetic { get; init; } = SyntheticKind.Noise;

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (Samples < 1) yield return new("samples", $"must be a positive integer, got {Samples}.");
        if (Seed < 0) yield return new("seed", $"must be a non-negative integer, got {Seed}.");
        if (Data is { Length: 0 }) yield return new("data", "must be a folder path, got an empty string.");
    }
}
