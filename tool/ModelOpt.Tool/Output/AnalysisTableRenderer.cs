using ModelOpt.Engine.Analysis;
using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>Prints an analysis as a per-layer table followed by totals.</summary>
internal static class AnalysisTableRenderer
{
    public static void Render(ToolConsole console, AnalysisReport report, int top)
    {
        var border = console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii;
        var inputs = string.Join(", ", report.Inputs.Select(i => $"{i.Name} {i.Type}[{i.Shape}]"));
        console.Out.MarkupLine($"[bold]{Markup.Escape(report.Model)}[/]  inputs: {Markup.Escape(inputs)}");

        var nodes = report.Nodes.AsEnumerable();
        string caption;
        if (top > 0 && report.Nodes.Count > top)
        {
            nodes = report.Nodes.OrderByDescending(n => n.Flops ?? 0).Take(top);
            caption = $"the {top} heaviest of {report.Nodes.Count} nodes by FLOPs (--top 0 lists all)";
        }
        else
        {
            caption = $"{report.Nodes.Count} nodes in graph order";
        }

        var table = new Table().Border(border).Caption(caption);
        table.AddColumn("Node");
        table.AddColumn("Op");
        table.AddColumn("Output shape");
        table.AddColumn(new TableColumn("Params").RightAligned());
        table.AddColumn(new TableColumn("MACs").RightAligned());
        table.AddColumn(new TableColumn("FLOPs").RightAligned());
        table.AddColumn(new TableColumn("% FLOPs").RightAligned());
        double total = Math.Max(1, report.Totals.Flops);
        foreach (var n in nodes)
        {
            string share = n.Flops is long f ? (100.0 * f / total).ToString("0.0") : "";
            table.AddRow(
                Markup.Escape(Truncate(n.Name, 40)),
                Markup.Escape(n.Domain.Length > 0 ? $"{n.Domain}.{n.OpType}" : n.OpType),
                Markup.Escape(string.Join(", ", n.OutputShapes)),
                n.Parameters > 0 ? Formats.Count(n.Parameters) : "",
                n.IsKnownOp ? Formats.Count(n.Macs) : "[yellow]unknown[/]",
                n.IsKnownOp ? Formats.Count(n.Flops) : "[yellow]unknown[/]",
                share);
        }
        console.Out.Write(table);

        var t = report.Totals;
        var totals = new Table().Border(border).HideHeaders();
        totals.AddColumn("What");
        totals.AddColumn(new TableColumn("Value").RightAligned());
        totals.AddRow("Parameters", $"{Formats.Exact(t.Parameters)} ({Formats.Count(t.Parameters)})");
        totals.AddRow("MACs", $"{Formats.Exact(t.Macs)} ({Formats.Count(t.Macs)})");
        totals.AddRow("FLOPs", $"{Formats.Exact(t.Flops)} ({Formats.Count(t.Flops)})");
        totals.AddRow("Weights", Formats.Bytes(t.WeightBytes));
        totals.AddRow("Activations", Formats.Bytes(t.ActivationBytes));
        totals.AddRow("Estimated time", $"{Formats.Seconds(t.EstimatedSeconds)} at {t.DeviceFlops / 1e9:0.##} GFLOPS");
        if (t.MeasuredMedianSeconds is double median)
            totals.AddRow("Measured (ONNX Runtime)", $"median {Formats.Seconds(median)}" + (t.MeasuredP90Seconds is double p90 ? $", p90 {Formats.Seconds(p90)}" : "") + (t.MeasuredUnder is { } under ? $" ({under})" : ""));
        console.Out.Write(totals);

        if (report.UnknownOps.Count > 0)
            console.Out.MarkupLine($"[yellow]Unknown ops (not counted in the totals):[/] {Markup.Escape(string.Join(", ", report.UnknownOps))}");
        var s = report.Shapes;
        console.Out.MarkupLine(Markup.Escape($"Shapes: {s.Declared} declared, {s.Bound} bound, {s.Inferred} inferred, {s.Runtime} from ONNX Runtime, {s.Unknown} unknown."));
        foreach (var note in report.Notes) console.Out.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];
}
