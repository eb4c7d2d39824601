using System.Globalization;

namespace ModelOpt.Tool.Output;

/// <summary>Human-friendly numbers for tables: 1.06 M, 4.11 G, 97.8 MB, 1.06 ms.</summary>
internal static class Formats
{
    public static string Count(long? value) => value is long v ? Scaled(v, 1000, ["", " K", " M", " G", " T"]) : "?";

    public static string Bytes(long value) => Scaled(value, 1024, [" B", " KiB", " MiB", " GiB", " TiB"]);

    public static string Seconds(double seconds) => seconds switch
    {
        < 1e-3 => (seconds * 1e6).ToString("0.##", CultureInfo.InvariantCulture) + " µs",
        < 1 => (seconds * 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " ms",
        _ => seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s",
    };

    public static string Exact(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Scaled(double value, double step, string[] units)
    {
        int i = 0;
        while (Math.Abs(value) >= step && i < units.Length - 1)
        {
            value /= step;
            i++;
        }
        string number = i == 0 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
        return number + units[i];
    }
}
