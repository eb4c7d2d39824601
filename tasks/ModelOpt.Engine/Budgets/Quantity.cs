using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelOpt.Engine.Budgets;

/// <summary>
/// Reads and writes budget values with their units (<c>5MB</c>, <c>1.2GFLOPs</c>, <c>500K</c>,
/// <c>2x</c>, <c>99%</c>). Decimal prefixes (K, M, G, T) are powers of 1000; binary ones (KiB, MiB,
/// GiB) powers of 1024. Unit names are case-insensitive except that a lone <c>m</c> is not milli.
/// </summary>
public static partial class Quantity
{
    [GeneratedRegex(@"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z%µ]*)\s*$")]
    private static partial Regex NumberAndUnit();

    /// <summary>The value in the kind's base unit (points, fraction, FLOPs, count, bytes, ratio, milliseconds); throws <see cref="FormatException"/> naming what is accepted.</summary>
    public static double Parse(string text, QuantityKind kind)
    {
        var match = NumberAndUnit().Match(text);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            throw new FormatException($"'{text}' is not a number{Accepted(kind)}.");
        string unit = match.Groups[2].Value;
        double? scale = kind switch
        {
            QuantityKind.Points => unit.ToLowerInvariant() is "" or "pt" or "pts" or "points" or "%" ? 1 : null,
            QuantityKind.Fraction => unit switch { "" => 1, "%" => 0.01, _ => null },
            QuantityKind.Flops => Decimal(StripSuffix(unit, "flops", "flop")),
            QuantityKind.Count => Decimal(StripSuffix(unit, "params", "parameters")),
            QuantityKind.Bytes => ByteScale(unit),
            QuantityKind.Ratio => unit.ToLowerInvariant() is "" or "x" ? 1 : null,
            QuantityKind.Milliseconds => unit.ToLowerInvariant() switch { "" or "ms" => 1, "s" => 1000, "us" or "µs" => 1e-3, _ => null },
            _ => null,
        };
        if (scale is not double s) throw new FormatException($"'{text}': unknown unit '{unit}'{Accepted(kind)}.");
        double value = number * s;
        if (!double.IsFinite(value) || value < 0) throw new FormatException($"'{text}' must be a non-negative number{Accepted(kind)}.");
        if (kind == QuantityKind.Fraction && value > 1) throw new FormatException($"'{text}' must be at most 1 (or 100%).");
        return value;
    }

    /// <summary>A value the way reports show it, e.g. <c>1.06 MFLOPs</c>, <c>1.48 MB</c>, <c>0.5 points</c>, <c>2.07x</c>.</summary>
    public static string Format(double value, QuantityKind kind) => kind switch
    {
        QuantityKind.Points => $"{Number(value, "0.##")} points",
        QuantityKind.Fraction => Number(value, "0.#####"),
        QuantityKind.Flops => Scaled(value, 1000, ["", "K", "M", "G", "T"]) + "FLOPs",
        QuantityKind.Count => Scaled(value, 1000, ["", "K", "M", "G", "T"]).TrimEnd(),
        QuantityKind.Bytes => Scaled(value, 1000, ["", "K", "M", "G", "T"]) + "B",
        QuantityKind.Ratio => $"{Number(value, "0.###")}x",
        QuantityKind.Milliseconds => $"{Number(value, "0.###")} ms",
        _ => Number(value, "0.###"),
    };

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Scaled(double value, double step, string[] prefixes)
    {
        int i = 0;
        while (Math.Abs(value) >= step && i < prefixes.Length - 1)
        {
            value /= step;
            i++;
        }
        return $"{Number(value, "0.###")} {prefixes[i]}";
    }

    private static string StripSuffix(string unit, params string[] suffixes)
    {
        foreach (var s in suffixes)
            if (unit.EndsWith(s, StringComparison.OrdinalIgnoreCase)) return unit[..^s.Length];
        return unit;
    }

    private static double? Decimal(string prefix) => prefix.ToUpperInvariant() switch
    {
        "" => 1,
        "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => null,
    };

    private static double? ByteScale(string unit)
    {
        string u = unit.ToUpperInvariant();
        if (u is "" or "B") return 1;
        if (u.EndsWith("IB")) return u[..^2] switch { "K" => 1024, "M" => 1024 * 1024, "G" => 1024.0 * 1024 * 1024, _ => null };
        if (u.EndsWith('B')) return Decimal(u[..^1]);
        return Decimal(u);
    }

    private static string Accepted(QuantityKind kind) => kind switch
    {
        QuantityKind.Points => " (accuracy points, e.g. 0.5)",
        QuantityKind.Fraction => " (a fraction such as 0.99, or 99%)",
        QuantityKind.Flops => " (FLOPs, e.g. 1200000, 1.2M or 1.2GFLOPs)",
        QuantityKind.Count => " (a count, e.g. 500000 or 500K)",
        QuantityKind.Bytes => " (bytes, e.g. 5000000, 5MB or 5MiB)",
        QuantityKind.Ratio => " (a ratio, e.g. 2 or 2x)",
        QuantityKind.Milliseconds => " (milliseconds, e.g. 5, 5ms or 0.005s)",
        _ => "",
    };
}
