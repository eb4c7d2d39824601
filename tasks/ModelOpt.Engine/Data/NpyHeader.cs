using System.Globalization;
using System.Text;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Data;

/// <summary>
/// The header of a <c>.npy</c> file: a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>. Parsed with a small
/// tokenizer rather than by pattern so that key order and spacing may vary as the format allows.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>NumPy's descriptors for the types ModelOpt reads and writes, little-endian.</summary>
    private static readonly (string Descr, DataType Type)[] Descriptors =
    [
        ("<f4", DataType.Float),
        ("<f8", DataType.Double),
        ("<f2", DataType.Float16),
        ("<i8", DataType.Int64),
        ("<i4", DataType.Int32),
        ("|u1", DataType.Uint8),
        ("|i1", DataType.Int8),
        ("|b1", DataType.Bool),
    ];

    public static string DescrFor(DataType type)
    {
        foreach (var (descr, t) in Descriptors)
            if (t == type) return descr;
        throw new NotSupportedException($"ONNX type {type} has no .npy descriptor that ModelOpt writes.");
    }

    /// <summary>The ONNX type for a descriptor; null when unsupported. One-byte types may be written with any byte-order mark.</summary>
    public static DataType? TypeFor(string descr)
    {
        string normalized = descr.Length == 3 && descr[2] == '1' && descr[0] is '<' or '>' or '=' or '|' ? "|" + descr[1..] : descr;
        foreach (var (d, t) in Descriptors)
            if (d == normalized) return t;
        return null;
    }

    /// <summary>The dict as numpy writes it: keys sorted, a trailing comma, a one-element shape as <c>(n,)</c>.</summary>
    public string Format()
    {
        string shape = Shape.Length switch
        {
            0 => "()",
            1 => $"({Shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        return $"{{'descr': '{Descr}', 'fortran_order': {(FortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
    }

    /// <summary>Parses the dict; returns null with a reason when it is not a valid header.</summary>
    public static NpyHeader? Parse(string text, out string? error)
    {
        var parser = new Parser(text);
        try
        {
            var dict = parser.ParseDict();
            parser.SkipSpace();
            if (!parser.AtEnd) throw new FormatException("unexpected text after the header dict");
            if (dict.Count != 3 || !dict.ContainsKey("descr") || !dict.ContainsKey("fortran_order") || !dict.ContainsKey("shape"))
                throw new FormatException("the header dict must have exactly the keys 'descr', 'fortran_order' and 'shape'");
            if (dict["descr"] is not string descr) throw new FormatException("'descr' is not a string");
            if (dict["fortran_order"] is not bool fortran) throw new FormatException("'fortran_order' is not True or False");
            if (dict["shape"] is not long[] shape) throw new FormatException("'shape' is not a tuple of integers");
            error = null;
            return new NpyHeader(descr, fortran, shape);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        public Dictionary<string, object> ParseDict()
        {
            var dict = new Dictionary<string, object>(StringComparer.Ordinal);
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (TryTake('}')) return dict;
                string key = ParseString();
                Expect(':');
                object value = ParseValue();
                if (!dict.TryAdd(key, value)) throw new FormatException($"key '{key}' appears twice");
                SkipSpace();
                if (TryTake('}')) return dict;
                Expect(',');
            }
        }

        private object ParseValue()
        {
            SkipSpace();
            if (AtEnd) throw new FormatException("the header ends inside the dict");
            char c = text[_pos];
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (TryWord("True")) return true;
            if (TryWord("False")) return false;
            throw new FormatException($"unexpected '{c}' at offset {_pos}");
        }

        private long[] ParseTuple()
        {
            Expect('(');
            var items = new List<long>();
            while (true)
            {
                SkipSpace();
                if (TryTake(')')) return items.ToArray();
                items.Add(ParseNonNegativeInteger());
                SkipSpace();
                if (TryTake(')')) return items.ToArray();
                Expect(',');
            }
        }

        private long ParseNonNegativeInteger()
        {
            int start = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            // numpy 1.x wrote Python 2 longs such as 3L; accept the suffix.
            string digits = text[start.._pos];
            if (_pos < text.Length && text[_pos] == 'L') _pos++;
            if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                throw new FormatException($"expected a dimension at offset {start}");
            return value;
        }

        private string ParseString()
        {
            SkipSpace();
            if (AtEnd || text[_pos] is not ('\'' or '"')) throw new FormatException($"expected a quoted string at offset {_pos}");
            char quote = text[_pos++];
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw new FormatException("unterminated string");
                char c = text[_pos++];
                if (c == quote) return sb.ToString();
                sb.Append(c);
            }
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        private bool TryTake(char c)
        {
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (!TryTake(c)) throw new FormatException(AtEnd ? $"expected '{c}' but the header ended" : $"expected '{c}' at offset {_pos}, found '{text[_pos]}'");
        }
    }
}
