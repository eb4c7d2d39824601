using System.Text.RegularExpressions;

namespace ModelOpt.TestSupport;

/// <summary>
/// testassets/configs/bad: config files with mistakes users make, each ending in comments that
/// say what must be reported: <c>// expect: (line,col) MOPT2004 fragment</c> once per error (the
/// count is exact), and <c>// expect-also: fragment</c> for text some error must hold (a "did you mean").
/// </summary>
public static class BadConfigCorpus
{
    public sealed record Expected(int Line, int Column, string Code, string Fragment);

    public sealed record Case(string Path, IReadOnlyList<Expected> Errors, IReadOnlyList<string> Also)
    {
        public string Name => System.IO.Path.GetFileName(Path);

        public override string ToString() => Name;
    }

    public static string Folder => Path.Combine(RepoPaths.TestAssets, "configs", "bad");

    public static IEnumerable<Case> All => Directory.EnumerateFiles(Folder, "*.json").Order(StringComparer.Ordinal).Select(Read);

    /// <summary>For MSTest's DynamicData: one row per file, named by the file.</summary>
    public static IEnumerable<object[]> Rows => All.Select(c => new object[] { c.Name });

    public static Case Named(string name) => Read(Path.Combine(Folder, name));

    private static Case Read(string path)
    {
        var errors = new List<Expected>();
        var also = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            var m = Regex.Match(line, @"^// expect: \((\d+),(\d+)\) (MOPT\d{4}) (.+)$");
            if (m.Success) errors.Add(new Expected(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Value, m.Groups[4].Value.TrimEnd()));
            else if (line.StartsWith("// expect-also: ", StringComparison.Ordinal)) also.Add(line["// expect-also: ".Length..].TrimEnd());
        }
        if (errors.Count == 0) throw new InvalidOperationException($"{path} states no expected error.");
        return new Case(path, errors, also);
    }
}
