using System.Globalization;
using ModelOpt.Engine.Plan;
using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>Prints a lock file's plan: fingerprints, budgets, per-layer decisions and int8 tensors.</summary>
internal static class LockTableRenderer
{
    public static void Render(ToolConsole console, LockFile lockFile, string path, string tool)
    {
        var border = console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii;
        var f = lockFile.Fingerprint;
        var plan = lockFile.Plan;
        console.Out.MarkupLine($"[bold]{Markup.Escape(path)}[/]");

        var made = new Table().Border(border).HideHeaders();
        made.AddColumn("What");
        made.AddColumn("Value");
        made.AddRow("Model", Markup.Escape($"{f.ModelFile} (SHA-256 {f.ModelSha256})"));
        made.AddRow("Tool", Markup.Escape(f.Tool == tool ? f.Tool : $"{f.Tool} (this tool: {tool})"));
        made.AddRow("Passes", Markup.Escape(plan.Passes.Count == 0 ? "none" : string.Join(" → ", plan.Passes)));
        made.AddRow("Deploy CPU", Markup.Escape($"{plan.DeployCpu.Key()} ({(plan.DeployCpu.PairSafeWeights() ? "pair-safe" : "full-range")} int8 weights)"));
        if (plan.Searched) made.AddRow("Chosen by", "the accuracy-aware search (replayed on the samples it held out)");
        if (plan.Settings is { } own) made.AddRow("Plan's pass settings", Markup.Escape(own.ToJsonString()));
        foreach (var (key, value) in f.Settings) made.AddRow(Markup.Escape($"setting {key}"), Markup.Escape(value));
        made.AddRow("Data", Markup.Escape(f.Data.Count == 0 ? "none (synthetic samples)" : $"{f.Data.Count} file(s): {string.Join(", ", f.Data.Take(5).Select(d => d.File))}{(f.Data.Count > 5 ? ", …" : "")}"));
        console.Out.Write(made);

        if (lockFile.Budgets.Count > 0)
        {
            var budgets = new Table().Border(border).Title("Budgets when chosen");
            budgets.AddColumn("Budget");
            budgets.AddColumn(new TableColumn("Limit").RightAligned());
            budgets.AddColumn(new TableColumn("Measured").RightAligned());
            budgets.AddColumn("Kept");
            foreach (var b in lockFile.Budgets)
                budgets.AddRow(Markup.Escape(b.Budget), Number(b.Limit) + (b.Asked is double asked ? $" (asked {Number(asked)}: the strictest the samples could hold)" : ""), b.Measured is double m ? Number(m) : "not measured", b.Kept ? "yes" : "[red]no[/]");
            console.Out.Write(budgets);
        }

        if (plan.Nodes.Count > 0)
        {
            var nodes = new Table().Border(border).Title($"{plan.Nodes.Count} layer decision(s)");
            nodes.AddColumn("Node");
            nodes.AddColumn("Pass");
            nodes.AddColumn("Setting");
            foreach (var n in plan.Nodes)
                nodes.AddRow(Markup.Escape(n.Node.Length == 0 ? "(unnamed nodes)" : n.Node), Markup.Escape(n.Pass), Markup.Escape(n.Label));
            console.Out.Write(nodes);
        }
        else console.WriteLine("Layer decisions: none (every pass on every layer its settings allow).");

        if (plan.Quantization is { } q)
        {
            var tensors = new Table().Border(border).Title($"Static int8: {q.Tensors.Count} tensor(s), calibration {q.Calibration}, {(q.PairSafeWeights ? "pair-safe" : "full-range")} weights");
            tensors.AddColumn("Tensor");
            tensors.AddColumn(new TableColumn("Min").RightAligned());
            tensors.AddColumn(new TableColumn("Max").RightAligned());
            tensors.AddColumn(new TableColumn("Scale").RightAligned());
            tensors.AddColumn(new TableColumn("Zero point").RightAligned());
            foreach (var t in q.Tensors)
                tensors.AddRow(Markup.Escape(t.Tensor), Number(t.Min), Number(t.Max), Number(t.Scale), t.ZeroPoint.ToString(CultureInfo.InvariantCulture));
            console.Out.Write(tensors);
        }
    }

    private static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
