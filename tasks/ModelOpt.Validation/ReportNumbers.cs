using System.Globalization;
using ModelOpt.Engine.Budgets;

namespace ModelOpt.Validation;

/// <summary>
/// Rounds report numbers to what they can mean, so a report says <c>-0.1</c> points and not
/// <c>-0.09999999999999432</c>: accuracies and points to 0.01 (a sample in 10,000), fractions and
/// cosines to 6 decimals, errors to 4 significant digits, milliseconds to the microsecond, ratios
/// and seconds to 3 decimals. Negative zero becomes zero.
/// </summary>
public static class ReportNumbers
{
    public static double Points(double value) => Round(value, 2);

    public static double Fraction(double value) => Round(value, 6);

    public static double Ratio(double value) => Round(value, 3);

    public static double Milliseconds(double value) => Round(value, 3);

    public static double Seconds(double value) => Round(value, 3);

    /// <summary>4 significant digits; null for NaN or infinity (JSON has neither).</summary>
    public static double? Error(double value)
    {
        if (!double.IsFinite(value)) return null;
        if (value == 0) return 0;
        int digits = Math.Min(3 - (int)Math.Floor(Math.Log10(Math.Abs(value))), 15);
        if (digits >= 0) return Round(value, digits);
        double scale = Math.Pow(10, -digits);
        return Round(value / scale, 0) * scale;
    }

    /// <summary>A budget's limit or measured value in its base unit, at the precision of its kind.</summary>
    public static double Budget(double value, QuantityKind kind) => kind switch
    {
        QuantityKind.Points => Points(value),
        QuantityKind.Fraction => Fraction(value),
        QuantityKind.Flops or QuantityKind.Count or QuantityKind.Bytes => Round(value, 0),
        QuantityKind.Ratio => Ratio(value),
        QuantityKind.Milliseconds => Milliseconds(value),
        _ => Round(value, 6),
    };

    /// <summary>The base unit of a budget kind, as the report names it.</summary>
    public static string Unit(QuantityKind kind) => kind switch
    {
        QuantityKind.Points => "points",
        QuantityKind.Fraction => "fraction",
        QuantityKind.Flops => "FLOPs",
        QuantityKind.Count => "parameters",
        QuantityKind.Bytes => "bytes",
        QuantityKind.Ratio => "ratio",
        QuantityKind.Milliseconds => "ms",
        _ => kind.ToString(),
    };

    /// <summary>
    /// The one way every report line shows accuracy moving: the change in points, optimized minus
    /// original, always signed — <c>-0.45 points</c> fell, <c>+0.45 points</c> rose, <c>0 points</c>
    /// did not move. (The <c>maxAccuracyDrop</c> budget and the JSON's <c>accuracyDrop</c> measure the
    /// fall, original minus optimized; prose never shows a "drop" with a sign of its own.)
    /// </summary>
    public static string AccuracyChange(double baselinePercent, double candidatePercent) =>
        (candidatePercent - baselinePercent).ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture) + " points";

    /// <summary>Agreement as every report shows it: a fraction of the samples (0 to 1), like cosine and the minAgreement budget.</summary>
    public static string Agreement(double fraction) => Quantity.Format(fraction, QuantityKind.Fraction);

    /// <summary>
    /// How a figure changed, in words a reader cannot misread: <c>2.01× fewer</c>, <c>1.04× more</c>,
    /// <c>0.3 % more</c> when the two round to the same ratio but differ (a pass that removed almost
    /// nothing must not pass for one that changed nothing), <c>no change</c> only when they are equal
    /// (never <c>0.96× fewer</c>).
    /// </summary>
    public static string Change(double before, double after, string fewer = "fewer", string more = "more", string times = "×")
    {
        if (before == after || before <= 0 || after <= 0) return before == after ? "no change" : after > before ? more : fewer;
        double ratio = before / after;
        if (ratio >= 1)
        {
            string text = ratio.ToString("0.##", CultureInfo.InvariantCulture);
            return text == "1" ? $"{Percent(1 - after / before)} {fewer}" : $"{text}{times} {fewer}";
        }
        string inverse = (after / before).ToString("0.##", CultureInfo.InvariantCulture);
        return inverse == "1" ? $"{Percent(after / before - 1)} {more}" : $"{inverse}{times} {more}";
    }

    // A share under 1 %, to the first digit that is not 0 (0.3 %, 0.004 %).
    private static string Percent(double share) =>
        $"{(share * 100).ToString(share * 100 >= 0.1 ? "0.#" : "0.####", CultureInfo.InvariantCulture)} %";

    private static double Round(double value, int digits)
    {
        double rounded = Math.Round(value, digits, MidpointRounding.AwayFromZero);
        return rounded == 0 ? 0 : rounded;
    }
}
