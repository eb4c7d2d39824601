using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer.Reports;
using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>Prints a validation: the models, the comparison figures, then one line per budget (broken ones also go to stderr).</summary>
internal static class ValidationRenderer
{
    public static void Render(ToolConsole console, RunReport report)
    {
        foreach (var note in report.Notes) console.Out.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        console.WriteLine(ReportRows.Models(report, path => path));
        var table = new Table().Border(console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii);
        bool single = report.Candidate is null;
        table.AddColumn("");
        table.AddColumn(new TableColumn(single ? "Model" : "Baseline").RightAligned());
        if (!single) table.AddColumn(new TableColumn("Candidate").RightAligned());
        foreach (var (what, a, b) in ReportRows.Figures(report))
        {
            if (single) table.AddRow(Markup.Escape(what.Replace("`", "")), Markup.Escape(a));
            else table.AddRow(Markup.Escape(what.Replace("`", "")), Markup.Escape(a), Markup.Escape(b));
        }
        console.Out.Write(table);
        foreach (var b in report.Budgets) Verdict(console, b.Kept, b.Message);
    }

    public static void RenderVerdicts(ToolConsole console, ValidationReport report)
    {
        foreach (var v in report.Verdicts) Verdict(console, v.Kept, v.Message());
    }

    private static void Verdict(ToolConsole console, bool kept, string message) =>
        console.Out.MarkupLine((kept ? "[green]ok[/]     " : "[red]BROKEN[/] ") + Markup.Escape(message));

    /// <summary>
    /// The search's log lines as they come: a search may run for most of an hour, and a CI log that
    /// shows nothing until the end looks hung. On a terminal they go to stderr and the whole log is
    /// printed again at the end; redirected, they go to the output once (<see cref="SearchLogStreamed"/>).
    /// </summary>
    public static Action<string> SearchProgress(ToolConsole console) => console.IsTerminal
        ? line => console.Error.WriteLine(line)
        : line => console.WriteLine(line);

    /// <summary>Whether <see cref="SearchProgress"/> already wrote the search log to the output.</summary>
    public static bool SearchLogStreamed(ToolConsole console) => !console.IsTerminal;

    /// <summary>Progress on a terminal only: a redirected log must not fill with carriage returns.</summary>
    public static Action<int, int>? Progress(ToolConsole console) => console.IsTerminal
        ? (done, total) => console.Error.Write($"\rvalidating {done}/{total} samples{(done == total ? Environment.NewLine : "")}")
        : null;
}
