using System.Globalization;
using System.Net;
using System.Text;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Output;

/// <summary>
/// One self-contained HTML page (no scripts, fonts or images from elsewhere, so it opens from a CI
/// artifact offline): budgets, the accuracy/latency/size comparison, a per-layer FLOPs chart
/// before and after, drawn as inline SVG, and the plan (what was decided per node).
/// </summary>
internal static class ReportHtml
{
    private const int BarHeight = 12, LabelWidth = 180, ChartWidth = 520;

    public static string Write(RunReport r)
    {
        var h = new StringBuilder();
        h.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ModelOpt report</title>");
        h.AppendLine("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.kept{color:#176317}.broken{color:#a31515;font-weight:bold}.before{fill:#8aa9d6}.after{fill:#2b6cb0}</style></head><body>");
        h.AppendLine($"<h1>ModelOpt {E(r.Command)}: {E(ReportRows.Headline(r))}</h1>");
        h.AppendLine($"<p id=\"models\">{ReportRows.Models(r, path => $"<code>{E(path)}</code>")}</p>");

        h.AppendLine("<h2>Budgets</h2><table id=\"budget-table\"><tr><th>Budget</th><th>Limit</th><th>Measured</th><th>Result</th></tr>");
        foreach (var v in r.Budgets)
        {
            h.AppendLine($"<tr><td>{E(v.Key)}</td><td>{(v.Direction == "atMost" ? "≤" : "≥")} {E(v.LimitText)}</td><td>{E(v.MeasuredText)}</td>"
                + $"<td class=\"{(v.Kept ? "kept" : "broken")}\">{(v.Kept ? "kept" : "broken")}{E(v.Culprit is null ? "" : " — " + v.Culprit)}{E(v.Note is null ? "" : " — " + v.Note)}</td></tr>");
        }
        if (r.Budgets.Count == 0) h.AppendLine("<tr><td colspan=\"4\">no budgets</td></tr>");
        h.AppendLine("</table>");

        bool single = r.Candidate is null;
        h.AppendLine($"<h2>Accuracy, latency and size</h2><table id=\"comparison-table\"><tr><th></th><th>{(single ? "Model" : "Baseline")}</th>{(single ? "" : "<th>Candidate</th>")}</tr>");
        foreach (var (what, a, b) in ReportRows.Figures(r))
            h.AppendLine($"<tr><td>{E(what.Replace("`", ""))}</td><td>{E(a)}</td>{(single ? "" : $"<td>{E(b)}</td>")}</tr>");
        h.AppendLine("</table>");

        h.AppendLine("<h2>FLOPs per layer</h2>");
        AppendChart(h, r.Layers);
        h.AppendLine("<table id=\"layer-table\"><tr><th>Layer</th><th>Op</th><th>FLOPs before</th><th>FLOPs after</th><th>Status</th><th>Why</th></tr>");
        foreach (var l in r.Layers)
            h.AppendLine($"<tr><td>{E(l.Name)}</td><td>{E(l.OpType)}</td><td>{E(Formats.Count(l.FlopsBefore))}</td><td>{E(Formats.Count(l.FlopsAfter))}</td><td>{E(l.Status)}</td><td>{E(l.Why ?? "")}</td></tr>");
        h.AppendLine("</table>");
        if (r.Plan is { } plan)
        {
            h.AppendLine($"<h2>Plan</h2><p id=\"plan\">{E(ReportRows.PlanSummary(plan))}</p>");
            if (plan.Unchecked is { } cannot) h.AppendLine($"<p id=\"plan-unchecked\">Deploy CPU: {E(cannot)}.</p>");
            if (plan.Layers.Count > 0)
            {
                h.AppendLine("<table id=\"plan-table\"><tr><th>Node</th><th>Pass</th><th>Decided</th></tr>");
                foreach (var (node, pass, setting) in ReportRows.PlanLayers(plan)) h.AppendLine($"<tr><td>{E(node)}</td><td>{E(pass)}</td><td>{E(setting)}</td></tr>");
                h.AppendLine("</table>");
            }
        }
        if (r.Search.Count > 0) h.AppendLine($"<h2>Search</h2><ul id=\"search-log\">{string.Concat(r.Search.Select(s => $"<li>{E(s)}</li>"))}</ul>");
        if (r.Warnings.Count > 0) h.AppendLine($"<ul id=\"warnings\">{string.Concat(r.Warnings.Select(w => $"<li>warning {E(w.Code)}: {E(w.Message)}</li>"))}</ul>");
        if (r.Notes.Count > 0) h.AppendLine($"<ul id=\"notes\">{string.Concat(r.Notes.Select(s => $"<li>{E(s)}</li>"))}</ul>");
        h.AppendLine($"<p><small>{E(r.Tool.Name)} {E(r.Tool.Version)}, {E(r.Created)}</small></p>");
        h.AppendLine("</body></html>");
        return h.ToString();
    }

    // Two bars per layer (before light, after dark), scaled to the heaviest layer.
    private static void AppendChart(StringBuilder h, IReadOnlyList<ReportLayer> layers)
    {
        double max = Math.Max(1, layers.Count == 0 ? 1 : layers.Max(l => Math.Max(l.FlopsBefore ?? 0, l.FlopsAfter ?? 0)));
        int rowHeight = 2 * BarHeight + 8;
        int height = rowHeight * layers.Count + 30;
        h.AppendLine($"<svg id=\"flops-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{LabelWidth + ChartWidth + 120}\" height=\"{height}\" role=\"img\" aria-label=\"FLOPs per layer before and after\">");
        h.AppendLine($"<rect class=\"before\" x=\"{LabelWidth}\" y=\"2\" width=\"10\" height=\"10\"/><text x=\"{LabelWidth + 14}\" y=\"11\" font-size=\"11\">before</text>");
        h.AppendLine($"<rect class=\"after\" x=\"{LabelWidth + 70}\" y=\"2\" width=\"10\" height=\"10\"/><text x=\"{LabelWidth + 84}\" y=\"11\" font-size=\"11\">after</text>");
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            int y = 24 + i * rowHeight;
            h.AppendLine($"<text x=\"{LabelWidth - 6}\" y=\"{y + BarHeight + 4}\" font-size=\"11\" text-anchor=\"end\">{E(Truncate(l.Name, 28))}</text>");
            Bar(h, "before", l.Name, l.FlopsBefore, max, y);
            Bar(h, "after", l.Name, l.FlopsAfter, max, y + BarHeight + 1);
        }
        h.AppendLine("</svg>");
    }

    private static void Bar(StringBuilder h, string kind, string layer, long? flops, double max, int y)
    {
        double width = flops is long f ? Math.Max(f > 0 ? 1 : 0, ChartWidth * f / max) : 0;
        h.AppendLine($"<rect class=\"{kind} bar\" data-layer=\"{E(layer)}\" x=\"{LabelWidth}\" y=\"{y}\" width=\"{width.ToString("0.#", CultureInfo.InvariantCulture)}\" height=\"{BarHeight}\"><title>{E(layer)} {kind}: {E(Formats.Count(flops))} FLOPs</title></rect>");
        h.AppendLine($"<text x=\"{(LabelWidth + width + 4).ToString("0.#", CultureInfo.InvariantCulture)}\" y=\"{y + BarHeight - 2}\" font-size=\"10\">{E(Formats.Count(flops))}</text>");
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
