using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>
/// Settings of <c>share-weights</c> (config key <c>shareWeights</c>): codebook size 2^<see cref="Bits"/>,
/// and the smallest weight tensor worth a codebook.
/// </summary>
public sealed record ShareWeightsSettings : ISettings
{
    public const int DefaultBits = 8;
    public const long DefaultMinElements = 1024;

    public static ShareWeightsSettings Default { get; } = new();

    public int Bits { get; init; } = DefaultBits;

    public long MinElements { get; init; } = DefaultMinElements;

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (Bits is < 1 or > 8) yield return new("bits", $"must be a whole number from 1 to 8 (a codebook of at most 256 entries), got {Bits}.");
        if (MinElements < 1) yield return new("minElements", $"must be a whole number of at least 1, got {MinElements}.");
    }
}
