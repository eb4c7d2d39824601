using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Optimizer.Advice;
using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>Prints <c>analyze --advise</c>: per heavy layer, each technique's saving and fidelity cost, ranked as the search ranks them.</summary>
internal static class AdviceRenderer
{
    public static void Render(ToolConsole console, AdviceReport advice, int top)
    {
        var border = console.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii;
        // Heavy layers first: the ones whose MACs matter.
        var heavy = advice.Rows.GroupBy(r => r.Layer).OrderByDescending(g => g.Max(r => r.LayerMacs)).Take(top > 0 ? top : int.MaxValue).Select(g => g.Key).ToHashSet();
        var table = new Table().Border(border).Caption(advice.RealData
            ? $"fidelity: each layer's own 1/SQNR on {advice.Source} (profiled in {advice.Elapsed.TotalSeconds:0.#} s); rank: harm per saving, 1 = first the search takes"
            : "no --data: savings only (fidelity needs real samples); rank: harm per saving on synthetic samples");
        table.AddColumn("Layer");
        table.AddColumn(new TableColumn("Layer MACs").RightAligned());
        table.AddColumn("Technique");
        table.AddColumn(new TableColumn("MACs saved").RightAligned());
        table.AddColumn(new TableColumn("Est. time saved").RightAligned());
        table.AddColumn(new TableColumn("1/SQNR").RightAligned());
        table.AddColumn(new TableColumn("Rank").RightAligned());
        var ranks = advice.Rows.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i + 1);
        foreach (var row in advice.Rows.Where(r => heavy.Contains(r.Layer)).OrderByDescending(r => r.LayerMacs).ThenBy(r => ranks[r]))
            table.AddRow(
                Markup.Escape(row.Layer),
                Quantity.Format(row.LayerMacs, QuantityKind.Count),
                Markup.Escape($"{row.Pass} {row.Setting}"),
                row.MacsSaved > 0 ? Quantity.Format(row.MacsSaved, QuantityKind.Count) : "int8: same MACs",
                row.SecondsSaved is double s ? $"{s * 1000:0.###} ms" : "measured only",
                row.Harm is double h ? h.ToString("0.##e0", CultureInfo.InvariantCulture) : "",
                ranks[row].ToString(CultureInfo.InvariantCulture));
        console.Out.Write(table);
    }
}
