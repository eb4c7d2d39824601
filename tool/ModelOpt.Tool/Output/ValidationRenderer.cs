using ModelOpt.Engine.Budgets;
using ModelOpt.Validation.Budgets;
using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>Prints a validation: the comparison figures, then one line per budget (broken ones also go to stderr).</summary>
internal static class ValidationRenderer
{
    public static void Render(ToolConsole console, ValidationReport report)
    {
        foreach (var note in report.Notes) console.Out.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        var table = new Table().Border(console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii);
        bool single = report.IsSingleModel;
        table.AddColumn("");
        table.AddColumn(new TableColumn(single ? "Model" : "Baseline").RightAligned());
        if (!single) table.AddColumn(new TableColumn("Candidate").RightAligned());
        foreach (var (what, a, b) in ReportFigures.Rows(report))
        {
            if (single) table.AddRow(Markup.Escape(what.Replace("`", "")), Markup.Escape(a));
            else table.AddRow(Markup.Escape(what.Replace("`", "")), Markup.Escape(a), Markup.Escape(b));
        }
        console.Out.Write(table);
        RenderVerdicts(console, report);
    }

    public static void RenderVerdicts(ToolConsole console, ValidationReport report)
    {
        foreach (var v in report.Verdicts)
            console.Out.MarkupLine((v.Kept ? "[green]ok[/]     " : "[red]BROKEN[/] ") + Markup.Escape(v.Message()));
    }

    /// <summary>The search's log lines as they come, on a terminal only (the full log is printed at the end either way).</summary>
    public static Action<string>? SearchProgress(ToolConsole console) => console.IsTerminal
        ? line => console.Error.WriteLine(line)
        : null;

    /// <summary>Progress on a terminal only: a redirected log must not fill with carriage returns.</summary>
    public static Action<int, int>? Progress(ToolConsole console) => console.IsTerminal
        ? (done, total) => console.Error.Write($"\rvalidating {done}/{total} samples{(done == total ? Environment.NewLine : "")}")
        : null;
}
