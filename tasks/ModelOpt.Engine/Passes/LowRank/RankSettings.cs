using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Passes.LowRank;

/// <summary>
/// <c>"separable" / "lowrank": { "energy": 0.99, "rank": 8 }</c>: how a low-rank factorization
/// picks its rank: a fixed <see cref="Rank"/>, or the smallest rank keeping <see cref="Energy"/>
/// of the squared singular values.
/// </summary>
public sealed record RankSettings : ISettings
{
    public const double DefaultEnergy = 0.99;

    public double Energy { get; init; } = DefaultEnergy;

    public int? Rank { get; init; }

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (Energy is <= 0 or > 1 || double.IsNaN(Energy)) yield return new("energy", $"must be in (0, 1], got {Energy}.");
        if (Rank is < 1) yield return new("rank", $"must be at least 1, got {Rank}.");
    }
}
