namespace ModelOpt.Engine.Config;

/// <summary>Suggests the known name nearest to a misspelt one (Levenshtein distance, case-insensitive).</summary>
public static class DidYouMean
{
    /// <summary>The closest candidate within a third of the word's length (at least 1 edit, at most 3); null when none is that close.</summary>
    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        int limit = Math.Clamp(word.Length / 3, 1, 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d <= limit && d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary><c>; did you mean 'x'?</c> or nothing.</summary>
    public static string Hint(string word, IEnumerable<string> candidates) =>
        Suggest(word, candidates) is { } s ? $"; did you mean '{s}'?" : "";

    /// <summary><c> Did you mean 'x'?</c> (a sentence to append after one) or nothing.</summary>
    public static string Sentence(string word, IEnumerable<string> candidates) =>
        Suggest(word, candidates) is { } s ? $" Did you mean '{s}'?" : "";

    // Optimal string alignment: a swap of two neighbours ("rnak") counts as one edit.
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
