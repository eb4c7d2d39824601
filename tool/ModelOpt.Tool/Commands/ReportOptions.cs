using System.CommandLine;
using ModelOpt.Tool.Output;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Commands;

/// <summary>--report/--json (machine-readable), --markdown (CI job summary) and --html (one self-contained page).</summary>
internal sealed class ReportOptions
{
    private readonly Option<string?> _json;
    private readonly Option<string?> _markdown = new("--markdown")
    {
        Description = "Append the budget table, figures and per-layer FLOPs as Markdown to this file (created if absent), e.g. \"$GITHUB_STEP_SUMMARY\".",
    };
    private readonly Option<string?> _html = new("--html") { Description = "Write one self-contained HTML page: per-layer FLOPs chart and the accuracy/latency/size comparison." };

    public ReportOptions(string jsonName, params string[] aliases) =>
        _json = new Option<string?>(jsonName, aliases) { Description = "Write the full report as JSON (docs/report.md): settings, every pass, every budget with value and limit, per-layer before/after." };

    public void AddTo(Command command)
    {
        command.Options.Add(_json);
        command.Options.Add(_markdown);
        command.Options.Add(_html);
    }

    public sealed record Paths(string? Json, string? Markdown, string? Html)
    {
        public bool Any => (Json ?? Markdown ?? Html) is not null;
    }

    public Paths Read(ParseResult parse) => new(parse.GetValue(_json), parse.GetValue(_markdown), parse.GetValue(_html));

    /// <summary>The context every tool report shares: paths relative to the current folder.</summary>
    public static ReportContext Context(string command, ReportSettings settings) =>
        new() { Command = command, BaseDirectory = Environment.CurrentDirectory, Settings = settings };

    public static void Write(ToolConsole console, RunReport report, Paths paths)
    {
        if (paths.Json is { } json) Save(console, json, RunReportJson.Serialize(report));
        if (paths.Markdown is { } md) Append(console, md, ReportMarkdown.Write(report));
        if (paths.Html is { } html) Save(console, html, ReportHtml.Write(report));
    }

    private static void Save(ToolConsole console, string path, string text)
    {
        CreateFolder(path);
        Engine.IO.AtomicFile.WriteAllText(path, text);
        console.WriteLine($"Wrote {path}.");
    }

    // GitHub's $GITHUB_STEP_SUMMARY convention: each step appends, so two commands in one job both show.
    private static void Append(ToolConsole console, string path, string text)
    {
        CreateFolder(path);
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists && !EndsWithBlankLine(path)) text = Environment.NewLine + text;
        File.AppendAllText(path, text);
        console.WriteLine(exists ? $"Appended to {path}." : $"Wrote {path}.");
    }

    // A section glued to the previous one's last line would render as part of it (a table row, a paragraph).
    private static bool EndsWithBlankLine(string path)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length < 2) return false;
        stream.Seek(-2, SeekOrigin.End);
        return stream.ReadByte() == '\n' && stream.ReadByte() == '\n';
    }

    private static void CreateFolder(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
    }
}
