using System.Globalization;
using System.Text;

namespace ModelOpt.CorpusSamples;

/// <summary>
/// BERT's uncased tokenizer, as the sentence-transformers MiniLM models read text: lower case,
/// accents stripped, split on whitespace and punctuation, then greedy longest-match WordPiece over
/// the model's own vocab.txt ("##" marks a piece inside a word; a word no pieces cover is [UNK]).
/// </summary>
internal sealed class WordPiece
{
    private const int MaxWordChars = 100;
    private readonly Dictionary<string, long> _ids;

    public WordPiece(string vocabPath)
    {
        _ids = new Dictionary<string, long>(StringComparer.Ordinal);
        long id = 0;
        foreach (string line in File.ReadLines(vocabPath)) _ids.TryAdd(line.TrimEnd('\r'), id++);
        foreach (string special in new[] { "[CLS]", "[SEP]", "[PAD]", "[UNK]" })
            if (!_ids.ContainsKey(special)) throw new InvalidDataException($"{vocabPath}: no {special} token; not a BERT vocabulary.");
    }

    public long Cls => _ids["[CLS]"];
    public long Sep => _ids["[SEP]"];
    public long Pad => _ids["[PAD]"];

    /// <summary>The WordPiece ids of <paramref name="text"/>, without [CLS]/[SEP].</summary>
    public List<long> Encode(string text)
    {
        var ids = new List<long>();
        foreach (string word in BasicTokens(text))
        {
            if (word.Length > MaxWordChars) { ids.Add(_ids["[UNK]"]); continue; }
            var pieces = new List<long>();
            int start = 0;
            while (start < word.Length)
            {
                int end = word.Length;
                long? found = null;
                while (end > start)
                {
                    string piece = (start > 0 ? "##" : "") + word[start..end];
                    if (_ids.TryGetValue(piece, out long id)) { found = id; break; }
                    end--;
                }
                if (found is null) { pieces = [_ids["[UNK]"]]; break; }
                pieces.Add(found.Value);
                start = end;
            }
            ids.AddRange(pieces);
        }
        return ids;
    }

    private static IEnumerable<string> BasicTokens(string text)
    {
        // Lower case, then NFD with the combining marks removed (BERT's strip_accents).
        var clean = new StringBuilder();
        foreach (char ch in text.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(ch);
            if (category == UnicodeCategory.NonSpacingMark) continue;
            if (ch == 0 || ch == 0xFFFD || char.IsControl(ch) && !char.IsWhiteSpace(ch)) continue;
            clean.Append(char.IsWhiteSpace(ch) ? ' ' : ch);
        }
        var word = new StringBuilder();
        foreach (char ch in clean.ToString())
        {
            if (ch == ' ')
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
            }
            else if (IsPunctuation(ch))
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                yield return ch.ToString();
            }
            else word.Append(ch);
        }
        if (word.Length > 0) yield return word.ToString();
    }

    // BERT counts every non-alphanumeric ASCII symbol as punctuation ('$', '^', '`'), and Unicode's P* categories.
    private static bool IsPunctuation(char ch) =>
        ch is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~'
        || CharUnicodeInfo.GetUnicodeCategory(ch) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
