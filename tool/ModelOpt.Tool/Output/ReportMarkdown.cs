using System.Globalization;
using System.Text;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Tool.Output;

/// <summary>The report as Markdown, for a CI job summary: budgets, the comparison, per-layer FLOPs and why layers were kept.</summary>
internal static class ReportMarkdown
{
    public static string Write(ValidationReport r)
    {
        var md = new StringBuilder();
        md.AppendLine($"## ModelOpt: {r.Headline}");
        md.AppendLine();
        md.AppendLine(r.IsSingleModel ? $"Model `{r.Baseline}`." : $"Baseline `{r.Baseline}`, candidate `{r.Candidate}`.");
        md.AppendLine();
        if (r.Verdicts.Count > 0)
        {
            md.AppendLine("| Budget | Limit | Measured | Result |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var v in r.Verdicts)
            {
                var d = v.Budget.Definition;
                string measured = v.Measured is double m ? Engine.Budgets.Quantity.Format(m, d.Kind) : "not measured";
                string result = v.Kept ? "✅ kept" : $"❌ broken{(v.Culprit is null ? "" : " — " + v.Culprit)}{(v.Note is null ? "" : " — " + v.Note)}";
                md.AppendLine($"| `{d.Key}` | {(d.Direction == Engine.Budgets.BudgetDirection.AtMost ? "≤" : "≥")} {Engine.Budgets.Quantity.Format(v.Budget.Limit, d.Kind)} | {measured} | {Escape(result)} |");
            }
            md.AppendLine();
        }
        md.AppendLine(r.IsSingleModel ? "| | Model |" : "| | Baseline | Candidate |");
        md.AppendLine(r.IsSingleModel ? "| --- | ---: |" : "| --- | ---: | ---: |");
        foreach (var (what, a, b) in ReportFigures.Rows(r)) md.AppendLine(r.IsSingleModel ? $"| {what} | {a} |" : $"| {what} | {a} | {b} |");
        md.AppendLine();
        if (r.Layers.Count > 0)
        {
            md.AppendLine("| Layer | Op | FLOPs before | FLOPs after | Status | Why |");
            md.AppendLine("| --- | --- | ---: | ---: | --- | --- |");
            foreach (var l in r.Layers)
                md.AppendLine($"| `{Escape(l.Name)}` | {l.OpType} | {Formats.Count(l.FlopsBefore)} | {Formats.Count(l.FlopsAfter)} | {l.Status} | {Escape(l.Why ?? "")} |");
            md.AppendLine();
        }
        if (r.SearchLog.Count > 0)
        {
            md.AppendLine("<details><summary>Accuracy-aware search</summary>");
            md.AppendLine();
            foreach (var line in r.SearchLog) md.AppendLine($"- {Escape(line)}");
            md.AppendLine();
            md.AppendLine("</details>");
        }
        foreach (var note in r.Notes) md.AppendLine($"> {Escape(note)}");
        return md.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

/// <summary>The accuracy / latency / size rows both the Markdown and the HTML report show.</summary>
internal static class ReportFigures
{
    public static IEnumerable<(string What, string Baseline, string Candidate)> Rows(ValidationReport r)
    {
        var c = r.Comparison;
        if (c?.BaselineAccuracy is double a && c.CandidateAccuracy is double b)
            yield return ("Top-1 accuracy", $"{a.ToString("0.##", CultureInfo.InvariantCulture)} %", $"{b.ToString("0.##", CultureInfo.InvariantCulture)} % ({(b - a).ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture)} points)");
        if (c is not null && c.Samples > 0)
        {
            yield return ("Top-1 agreement", "", c.Agreement.ToString("0.####", CultureInfo.InvariantCulture));
            foreach (var o in c.Outputs)
                yield return ($"Output `{o.Name}`", "", $"max abs err {o.MaxAbsError:G4}, mean {o.MeanAbsError:G4}, cosine {o.Cosine.ToString("0.######", CultureInfo.InvariantCulture)}");
        }
        yield return ("FLOPs", Formats.Count(r.BaselineFootprint.Flops), Formats.Count(r.CandidateFootprint.Flops) + (r.FlopReduction is double f ? $" ({f.ToString("0.##", CultureInfo.InvariantCulture)}x fewer)" : ""));
        yield return ("Parameters", Formats.Count(r.BaselineFootprint.Parameters), Formats.Count(r.CandidateFootprint.Parameters));
        yield return ("Size", Formats.Bytes(r.BaselineFootprint.Bytes), Formats.Bytes(r.CandidateFootprint.Bytes));
        if (c?.CandidateLatency is { } lb)
            yield return ("Latency (median / p90)", c.BaselineLatency is { } la ? $"{Formats.Seconds(la.MedianSeconds)} / {Formats.Seconds(la.P90Seconds)}" : "",
                $"{Formats.Seconds(lb.MedianSeconds)} / {Formats.Seconds(lb.P90Seconds)}" + (c.Speedup is double s ? $" ({s.ToString("0.##", CultureInfo.InvariantCulture)}x)" : ""));
        if (c is { CandidateLatency: not null, Session: { } session })
            yield return ("ONNX Runtime session", r.IsSingleModel ? session.Describe() : "", session.Describe());
        if (c is not null && c.Samples > 0) yield return ("Samples", "", $"{c.Samples} ({c.SampleDescription})");
    }
}
