using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.LowRank;

/// <summary>
/// How a fully connected layer is factorized: a fixed <see cref="Rank"/>, or the smallest rank
/// keeping <see cref="Energy"/> of the squared singular values.
/// </summary>
public sealed record LowRankSettings(double Energy, int? Rank)
{
    public const double DefaultEnergy = 0.99;

    public static LowRankSettings From(JsonObject settings, string where)
    {
        double energy = DefaultEnergy;
        int? rank = null;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "energy":
                    energy = value?.GetValue<double>() ?? DefaultEnergy;
                    if (energy is <= 0 or > 1) throw new ArgumentException($"{where}: 'lowrank.energy' must be in (0, 1], got {energy}.");
                    break;
                case "rank":
                    rank = value?.GetValue<int>();
                    if (rank is < 1) throw new ArgumentException($"{where}: 'lowrank.rank' must be at least 1.");
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'lowrank.{key}' (expected 'energy' or 'rank').");
            }
        }
        return new LowRankSettings(energy, rank);
    }
}
