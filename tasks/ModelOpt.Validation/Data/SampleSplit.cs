namespace ModelOpt.Validation.Data;

/// <summary>Which part of the validation samples a check is judged on.</summary>
public enum SamplePart
{
    /// <summary>Every sample (no search ran).</summary>
    All,
    /// <summary>The part the accuracy-aware search chooses on.</summary>
    Search,
    /// <summary>The part held out from the search, on which its result is confirmed.</summary>
    Confirmation,
}

/// <summary>
/// How the search's samples are split: every third sample (indices 2, 5, 8, …) is held out for the
/// confirmation, the rest is the search's. Interleaved rather than a head/tail cut so both parts
/// span the data in folder order (files often sorted by class or source); fixed, so runs repeat.
/// </summary>
public static class SampleSplit
{
    /// <summary>Below this many samples there is nothing to hold out: both parts would be too thin to judge on.</summary>
    public const int MinimumToSplit = 3;

    public static bool InPart(int index, SamplePart part) => part switch
    {
        SamplePart.Search => index % 3 != 2,
        SamplePart.Confirmation => index % 3 == 2,
        _ => true,
    };

    /// <summary>How many samples each part gets out of <paramref name="total"/>.</summary>
    public static (int Search, int Confirmation) Counts(int total) => (total - total / 3, total / 3);
}
