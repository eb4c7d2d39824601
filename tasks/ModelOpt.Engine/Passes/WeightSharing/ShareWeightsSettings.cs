using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>
/// Settings of <c>share-weights</c> (config key <c>shareWeights</c>): codebook size 2^<see cref="Bits"/>,
/// and the smallest weight tensor worth a codebook.
/// </summary>
public sealed record ShareWeightsSettings(int Bits, long MinElements)
{
    public const int DefaultBits = 8;
    public const long DefaultMinElements = 1024;

    public static ShareWeightsSettings Default { get; } = new(DefaultBits, DefaultMinElements);

    /// <exception cref="ArgumentException">A key or value is wrong; the message names it.</exception>
    public static ShareWeightsSettings From(JsonObject settings, string where)
    {
        int bits = DefaultBits;
        long minElements = DefaultMinElements;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "bits":
                    if (!TryInteger(value, out long b) || b is < 1 or > 8)
                        throw new ArgumentException($"{where}: 'shareWeights.bits' must be a whole number from 1 to 8 (a codebook of at most 256 entries).");
                    bits = (int)b;
                    break;
                case "minElements":
                    if (!TryInteger(value, out long m) || m < 1)
                        throw new ArgumentException($"{where}: 'shareWeights.minElements' must be a whole number of at least 1.");
                    minElements = m;
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'shareWeights.{key}' (expected 'bits' or 'minElements').");
            }
        }
        return new ShareWeightsSettings(bits, minElements);
    }

    private static bool TryInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return false;
        double d = v.GetValue<double>();
        if (d != Math.Floor(d) || Math.Abs(d) > int.MaxValue) return false;
        value = (long)d;
        return true;
    }
}
