using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// How much each channel of a group matters: the L1 or L2 norm of the filter that produces it,
/// summed over every conv of the group (the convs a residual Add ties together).
/// </summary>
internal static class ChannelImportance
{
    public static Dictionary<int, double[]> Compute(ChannelGroups groups, PruneImportance norm)
    {
        var result = new Dictionary<int, double[]>();
        foreach (int root in groups.Roots)
        {
            var scores = new double[groups.Count(root)];
            foreach (var conv in groups.Producers(root))
            {
                var weight = conv.Input(1)!.ConstantValue!;
                var values = weight.Span<float>();
                int perFilter = (int)(weight.ElementCount / weight.Dims[0]);
                for (int o = 0; o < scores.Length; o++)
                {
                    double sum = 0;
                    foreach (float w in values.Slice(o * perFilter, perFilter))
                        sum += norm == PruneImportance.L1 ? Math.Abs(w) : (double)w * w;
                    scores[o] += norm == PruneImportance.L1 ? sum : Math.Sqrt(sum);
                }
            }
            result[root] = scores;
        }
        return result;
    }

    /// <summary>The channels to keep: the <paramref name="keep"/> most important, in channel order (ties keep the lower index).</summary>
    public static bool[] TopChannels(double[] scores, int keep)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(keep);
        var mask = new bool[scores.Length];
        foreach (int i in order) mask[i] = true;
        return mask;
    }
}
