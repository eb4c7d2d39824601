using System.Text;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Output;

/// <summary>
/// The report as Markdown, for a CI job summary: budgets, the comparison, per-layer FLOPs and why
/// layers were kept. GitHub-safe: every block ends with a blank line (text right after
/// <c>&lt;/details&gt;</c> or a table would otherwise render as part of it), table cells escape
/// <c>|</c>, and text escapes <c>&lt;</c> so a note never opens an HTML tag.
/// </summary>
internal static class ReportMarkdown
{
    public static string Write(RunReport r)
    {
        var md = new StringBuilder();
        md.AppendLine($"## ModelOpt {r.Command}: {ReportRows.Headline(r)}");
        md.AppendLine();
        md.AppendLine(ReportRows.Models(r, path => $"`{path}`"));
        md.AppendLine();
        if (r.Budgets.Count > 0)
        {
            md.AppendLine("| Budget | Limit | Measured | Result |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var b in r.Budgets)
            {
                string result = b.Kept ? "✅ kept" : $"❌ broken{(b.Culprit is null ? "" : " — " + b.Culprit)}{(b.Note is null ? "" : " — " + b.Note)}";
                md.AppendLine($"| `{b.Key}` | {(b.Direction == "atMost" ? "≤" : "≥")} {b.LimitText} | {b.MeasuredText} | {Cell(result)} |");
            }
            md.AppendLine();
        }
        bool single = r.Candidate is null;
        md.AppendLine(single ? "| | Model |" : "| | Baseline | Candidate |");
        md.AppendLine(single ? "| --- | ---: |" : "| --- | ---: | ---: |");
        foreach (var (what, a, b) in ReportRows.Figures(r)) md.AppendLine(single ? $"| {Cell(what)} | {Cell(a)} |" : $"| {Cell(what)} | {Cell(a)} | {Cell(b)} |");
        md.AppendLine();
        if (r.Layers.Count > 0)
        {
            md.AppendLine("| Layer | Op | FLOPs before | FLOPs after | Status | Why |");
            md.AppendLine("| --- | --- | ---: | ---: | --- | --- |");
            foreach (var l in r.Layers)
                md.AppendLine($"| `{Cell(l.Name)}` | {Cell(l.OpType)} | {Formats.Count(l.FlopsBefore)} | {Formats.Count(l.FlopsAfter)} | {l.Status} | {Cell(l.Why ?? "")} |");
            md.AppendLine();
        }
        if (r.Plan is { } plan)
        {
            md.AppendLine($"**Plan.** {Text(ReportRows.PlanSummary(plan))}");
            md.AppendLine();
            if (plan.Unchecked is { } cannot)
            {
                md.AppendLine($"Deploy CPU: {Text(cannot)}.");
                md.AppendLine();
            }
            if (plan.Layers.Count > 0)
            {
                md.AppendLine("| Node | Pass | Decided |");
                md.AppendLine("| --- | --- | --- |");
                foreach (var (node, pass, setting) in ReportRows.PlanLayers(plan)) md.AppendLine($"| `{Cell(node)}` | {Cell(pass)} | {Cell(setting)} |");
                md.AppendLine();
            }
        }
        if (r.Search.Count > 0)
        {
            md.AppendLine("<details><summary>Accuracy-aware search</summary>");
            md.AppendLine();
            foreach (var line in r.Search) md.AppendLine($"- {Text(line)}");
            md.AppendLine();
            md.AppendLine("</details>");
            md.AppendLine();
        }
        var remarks = r.Warnings.Select(w => $"**warning {w.Code}**: {Text(w.Message)}").Concat(r.Notes.Select(n => $"note: {Text(n)}")).ToList();
        if (remarks.Count > 0)
        {
            foreach (var remark in remarks) md.AppendLine($"- {remark}");
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Cell(string s) => Text(s).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Text(string s) => s.Replace("<", "&lt;", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
