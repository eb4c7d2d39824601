using System.Text.Json.Serialization;
using ModelOpt.Engine.Config;

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
public sealed record PruneSettings : ISettings
{
    public const double DefaultRatio = 0.5;

    /// <summary>The ratio cap a FLOP-targeted search uses when no ratio is given.</summary>
    public const double DefaultTargetSearchCap = 0.9;

    public static PruneSettings Default { get; } = new();

    public PruneMode Mode { get; init; } = PruneMode.Structured;

    /// <summary>The fraction removed as written; null: not given (<see cref="Ratio"/> is the default).</summary>
    [JsonPropertyName("ratio")]
    public double? GivenRatio { get; init; }

    [JsonIgnore]
    public double Ratio => GivenRatio ?? DefaultRatio;

    [JsonIgnore]
    public bool RatioGiven => GivenRatio is not null;

    public int RoundTo { get; init; } = 1;

    public PruneImportance Importance { get; init; } = PruneImportance.L1;

    public PruneScope Scope { get; init; } = PruneScope.Layer;

    public double? TargetFlops { get; init; }

    /// <summary>
    /// Per node: the output channels it keeps, by index (what a plan records, so that a replay
    /// prunes exactly those without ranking the channels again). Wins over the ratio for its group.
    /// </summary>
    public int[]? Keep { get; init; }

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (GivenRatio is { } ratio && ratio is < 0 or >= 1) yield return new("ratio", $"must be in [0, 1) (the fraction removed), got {ratio}.");
        if (RoundTo is < 1 or > 4096) yield return new("roundTo", $"must be a whole number from 1 to 4096, got {RoundTo}.");
        if (Keep is { } keep && (keep.Length == 0 || keep.Any(c => c < 0) || keep.Distinct().Count() != keep.Length))
            yield return new("keep", "must list the output channels kept, each once, by index from 0.");
        if (TargetFlops is { } flops && !(flops > 0 && double.IsFinite(flops))) yield return new("targetFlops", $"must be a positive number of FLOPs, got {flops}.");
    }
}
