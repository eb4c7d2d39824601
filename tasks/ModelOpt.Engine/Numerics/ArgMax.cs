using System.Numerics;

namespace ModelOpt.Engine.Numerics;

/// <summary>
/// The top-1 class: the index of the largest of a row of scores, the first on a tie. A NaN never
/// wins a comparison, so a NaN at the start keeps index 0.
/// </summary>
public static class ArgMax
{
    /// <summary>Among <paramref name="count"/> values from <paramref name="start"/>, <paramref name="stride"/> apart (a class axis that is not the last).</summary>
    public static int Of<T>(ReadOnlySpan<T> values, long start, int count, long stride = 1) where T : IComparisonOperators<T, T, bool>
    {
        int best = 0;
        for (int c = 1; c < count; c++)
            if (values[(int)(start + c * stride)] > values[(int)(start + best * stride)]) best = c;
        return best;
    }
}
