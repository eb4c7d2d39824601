using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// How a low-rank factorization (<c>separable</c>, <c>lowrank</c>) picks its rank: a fixed
/// <see cref="Rank"/>, or the smallest rank keeping <see cref="Energy"/> of the squared singular values.
/// </summary>
public sealed record RankSettings(double Energy, int? Rank)
{
    public const double DefaultEnergy = 0.99;

    /// <param name="pass">The pass whose settings these are, for messages ('separable.energy').</param>
    /// <param name="where">The config file, for messages.</param>
    public static RankSettings From(JsonObject settings, string pass, string where)
    {
        double energy = DefaultEnergy;
        int? rank = null;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "energy":
                    energy = value?.GetValue<double>() ?? DefaultEnergy;
                    if (energy is <= 0 or > 1) throw new ArgumentException($"{where}: '{pass}.energy' must be in (0, 1], got {energy}.");
                    break;
                case "rank":
                    rank = value?.GetValue<int>();
                    if (rank is < 1) throw new ArgumentException($"{where}: '{pass}.rank' must be at least 1.");
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting '{pass}.{key}' (expected 'energy' or 'rank').");
            }
        }
        return new RankSettings(energy, rank);
    }
}
