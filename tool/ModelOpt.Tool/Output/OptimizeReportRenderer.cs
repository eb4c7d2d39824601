using ModelOpt.Engine.Diagnostics;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;
using Spectre.Console;
using ModelOpt.Validation;

namespace ModelOpt.Tool.Output;

/// <summary>Prints what each pass did and the model before and after.</summary>
internal static class OptimizeReportRenderer
{
    public static void Render(ToolConsole console, OptimizeResult result)
    {
        var border = console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii;
        if (result.Passes.Count > 0)
        {
            var table = new Table().Border(border);
            table.AddColumn("Pass");
            table.AddColumn(new TableColumn("Rewritten").RightAligned());
            table.AddColumn(new TableColumn("Nodes").RightAligned());
            table.AddColumn(new TableColumn("Parameters").RightAligned());
            table.AddColumn(new TableColumn("FLOPs").RightAligned());
            table.AddColumn(new TableColumn("Time").RightAligned());
            foreach (var p in result.Passes)
            {
                table.AddRow(
                    Markup.Escape(p.Pass),
                    p.NodesTouched.ToString(),
                    $"{p.Before.Nodes} → {p.After.Nodes}",
                    $"{Formats.Count(p.Before.Parameters)} → {Formats.Count(p.After.Parameters)}",
                    $"{Formats.Count(p.Before.Flops)} → {Formats.Count(p.After.Flops)}",
                    Formats.Seconds(p.Duration.TotalSeconds));
            }
            console.Out.Write(table);
            foreach (var p in result.Passes)
                foreach (var note in p.Notes) console.Out.MarkupLine($"[grey]{Markup.Escape(p.Pass)}:[/] {Markup.Escape(note)}");
        }
        foreach (var note in result.Notes) console.Out.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        if (result.Runtime is { } runtime) console.Out.MarkupLine($"[grey]runtime:[/] {Markup.Escape(Validation.OrtSessionSettings.From(runtime).Describe())}; memory cap {Formats.Bytes(runtime.ResolvedMemoryCapBytes)}");
        foreach (var warning in result.Warnings) console.Out.MarkupLine($"[yellow]warning {warning.Code.Text()}:[/] {Markup.Escape(warning.Message)}");

        string flops = result.Before.Flops is long b && result.After.Flops is long a ? $"; FLOPs {Formats.Count(b)} → {Formats.Count(a)} ({ReportNumbers.Change(b, a)})" : "";
        string what = $"passes: {result.PassSummary()}";
        console.WriteLine($"Wrote {result.OutputPath} ({Formats.Bytes(result.OutputBytes)}, source {Formats.Bytes(result.SourceBytes)}; {what}{flops}).");
    }
}
