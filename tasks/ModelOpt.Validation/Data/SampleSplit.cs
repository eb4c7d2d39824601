namespace ModelOpt.Validation.Data;

/// <summary>Which part of the validation samples a check is judged on.</summary>
public enum SamplePart
{
    /// <summary>Every sample (no search ran).</summary>
    All,
    /// <summary>The part the accuracy-aware search chooses on (less the samples it calibrates on, when those come from the same data).</summary>
    Search,
    /// <summary>The part held out from the search, on which its result is confirmed.</summary>
    Confirmation,
    /// <summary>The first samples of the search's share, which calibration (and the refit fitted on it) takes when it reads the same data.</summary>
    Calibration,
}

/// <summary>
/// How the search's samples are split: every third sample (indices 2, 5, 8, …) is held out for the
/// confirmation, the rest is the search's. Interleaved rather than a head/tail cut so both parts
/// span the data in folder order (files often sorted by class or source); fixed, so runs repeat.
/// When calibration reads the same data, it takes the first <c>calibration</c> samples of the
/// search's share and the search judges on the others: a refit fitted on some samples looks better
/// on them than it is, so choosing on them would favour exactly the settings that overfit.
/// </summary>
public static class SampleSplit
{
    /// <summary>Below this many samples there is nothing to hold out: both parts would be too thin to judge on.</summary>
    public const int MinimumToSplit = 3;

    public static bool InPart(int index, SamplePart part, int calibration = 0) => part switch
    {
        SamplePart.Search => index % 3 != 2 && SearchPosition(index) >= calibration,
        SamplePart.Calibration => index % 3 != 2 && SearchPosition(index) < calibration,
        SamplePart.Confirmation => index % 3 == 2,
        _ => true,
    };

    /// <summary>How many samples each part gets out of <paramref name="total"/> (the search's share includes calibration's).</summary>
    public static (int Search, int Confirmation) Counts(int total) => (total - total / 3, total / 3);

    /// <summary>
    /// How many of the search's <paramref name="searchShare"/> samples calibration may take when it
    /// asked for <paramref name="wanted"/> (<paramref name="given"/>: the user's number, not the
    /// default) and whether the search then judges on the rest only. A default count leaves the
    /// search at least half of its share; a count the user gave is kept (up to the whole share),
    /// and when it leaves the search less than half, the search judges on its whole share,
    /// calibration samples included, rather than on a handful.
    /// </summary>
    public static (int Calibration, bool Disjoint) Calibration(int searchShare, int wanted, bool given)
    {
        int half = searchShare / 2;
        if (!given) return (Math.Min(wanted, half), true);
        int take = Math.Min(wanted, searchShare);
        return (take, take <= half);
    }

    /// <summary>
    /// How many samples (from the first) to open so that the search part, less the
    /// <paramref name="calibration"/> samples calibration took, holds <paramref name="judged"/>: what a
    /// quick look at a few of the search's samples (the output probe) limits the data to.
    /// </summary>
    public static int LimitFor(int calibration, int judged)
    {
        int last = calibration + Math.Max(1, judged) - 1;
        return last + last / 2 + 1;
    }

    // Index of a search-share sample (index % 3 != 2) among the search's share: 0, 1, _, 2, 3, _, …
    private static int SearchPosition(int index) => index - index / 3;
}
