using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Separable;

/// <summary>
/// How a conv is factorized: a fixed <see cref="Rank"/>, or the smallest rank keeping
/// <see cref="Energy"/> of the squared singular values (summed over input channels).
/// </summary>
public sealed record SeparableSettings(double Energy, int? Rank)
{
    public const double DefaultEnergy = 0.99;

    public static SeparableSettings From(JsonObject settings, string where)
    {
        double energy = DefaultEnergy;
        int? rank = null;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "energy":
                    energy = value?.GetValue<double>() ?? DefaultEnergy;
                    if (energy is <= 0 or > 1) throw new ArgumentException($"{where}: 'separable.energy' must be in (0, 1], got {energy}.");
                    break;
                case "rank":
                    rank = value?.GetValue<int>();
                    if (rank is < 1) throw new ArgumentException($"{where}: 'separable.rank' must be at least 1.");
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'separable.{key}' (expected 'energy' or 'rank').");
            }
        }
        return new SeparableSettings(energy, rank);
    }
}
