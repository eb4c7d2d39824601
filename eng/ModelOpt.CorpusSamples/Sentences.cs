using System.Text.RegularExpressions;

namespace ModelOpt.CorpusSamples;

/// <summary>
/// Real English sentences from plain-text documents (the licence texts every Debian system ships
/// in /usr/share/common-licenses): whitespace joined across line breaks, cut after '.', '?' or '!'
/// followed by a capital, and kept when they are prose of a sentence's length, not headings.
/// </summary>
internal static partial class Sentences
{
    public static IEnumerable<string> From(string path, int minWords, int maxWords)
    {
        string text = Whitespace().Replace(File.ReadAllText(path), " ");
        foreach (string candidate in Boundary().Split(text))
        {
            string sentence = candidate.Trim();
            int words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (words < minWords || words > maxWords) continue;
            // Prose starts with a capital and has mostly letters: this drops section numbers, URLs and ASCII art.
            if (!char.IsUpper(sentence[0])) continue;
            if (sentence.Count(char.IsLetter) < 0.7 * sentence.Length) continue;
            yield return sentence;
        }
    }

    /// <summary>One sentence of each text in turn, so a short sample set still holds every text.</summary>
    public static IEnumerable<string> RoundRobin(IEnumerable<IEnumerable<string>> texts)
    {
        var readers = texts.Select(t => t.GetEnumerator()).ToList();
        while (readers.Count > 0)
        {
            foreach (var reader in readers.ToList())
            {
                if (reader.MoveNext()) yield return reader.Current;
                else { reader.Dispose(); readers.Remove(reader); }
            }
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?<=[.?!])\s+(?=[A-Z])")]
    private static partial Regex Boundary();
}
