using System.CommandLine;
using ModelOpt.Tool.Output;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Tool.Commands;

/// <summary>--report/--json (machine-readable), --markdown (CI job summary) and --html (one self-contained page).</summary>
internal sealed class ReportOptions
{
    private readonly Option<string?> _json;
    private readonly Option<string?> _markdown = new("--markdown") { Description = "Write the budget table and per-layer FLOPs as Markdown (for a CI job summary)." };
    private readonly Option<string?> _html = new("--html") { Description = "Write one self-contained HTML page: per-layer FLOPs chart and the accuracy/latency/size comparison." };

    public ReportOptions(string jsonName, params string[] aliases) =>
        _json = new Option<string?>(jsonName, aliases) { Description = "Write the full report as JSON: every pass, every budget with value and limit, per-layer before/after." };

    public void AddTo(Command command)
    {
        command.Options.Add(_json);
        command.Options.Add(_markdown);
        command.Options.Add(_html);
    }

    public sealed record Paths(string? Json, string? Markdown, string? Html);

    public Paths Read(ParseResult parse) => new(parse.GetValue(_json), parse.GetValue(_markdown), parse.GetValue(_html));

    public static void Write(ToolConsole console, ValidationReport report, Paths paths)
    {
        if (paths.Json is { } json) Save(console, json, ReportJson.Write(report));
        if (paths.Markdown is { } md) Save(console, md, ReportMarkdown.Write(report));
        if (paths.Html is { } html) Save(console, html, ReportHtml.Write(report));
    }

    private static void Save(ToolConsole console, string path, string text)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, text);
        console.WriteLine($"Wrote {path}.");
    }
}
