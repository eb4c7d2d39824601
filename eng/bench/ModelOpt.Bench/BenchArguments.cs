namespace ModelOpt.Bench;

/// <summary>Reads <c>--name value</c> options; the benchmarks take only a few numbers.</summary>
internal static class BenchArguments
{
    public static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int value) || value <= 0)
            throw new ArgumentException($"{name} needs a positive whole number.");
        return value;
    }

    public static string? String(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
