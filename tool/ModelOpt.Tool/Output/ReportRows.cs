using System.Globalization;
using ModelOpt.Optimizer.Reports;
using ModelOpt.Validation;

namespace ModelOpt.Tool.Output;

/// <summary>What the console, Markdown and HTML reports all say about a <see cref="RunReport"/>: its headline, the models it names, the figures table.</summary>
internal static class ReportRows
{
    public static string Headline(RunReport r) =>
        r.Budgets.Count == 0 ? "no budgets set" : r.AllBudgetsKept ? "every budget kept" : $"{r.Budgets.Count(b => !b.Kept)} budget(s) broken";

    /// <summary>One sentence naming the models, e.g. <c>Baseline `m.onnx`, optimized model `out/m.onnx` (written).</c>; <paramref name="code"/> wraps a path.</summary>
    public static string Models(RunReport r, Func<string, string> code)
    {
        if (r.Candidate is not { } candidate) return $"Model {code(r.Baseline.Path)}.";
        string written = r.Written switch { true => " (written)", false => " (not written)", null => "" };
        string what = r.Written is null ? "candidate" : "optimized model";
        return $"Baseline {code(r.Baseline.Path)}, {what} {code(candidate.Path)}{written}.";
    }

    /// <summary>The accuracy / agreement / output error / FLOPs / parameters / size / latency rows; for <c>check</c> the second column is empty.</summary>
    public static IEnumerable<(string What, string Baseline, string Candidate)> Figures(RunReport r)
    {
        var c = r.Comparison;
        var candidate = r.Candidate;
        if (c?.BaselineAccuracy is double a && c.CandidateAccuracy is double b)
            yield return ("Top-1 accuracy", $"{N(a, "0.##")} %", $"{N(b, "0.##")} % ({ReportNumbers.AccuracyChange(a, b)})");
        if (c is not null && c.Samples > 0)
        {
            if (c.Agreement is double agreement) yield return ("Top-1 agreement", "", ReportNumbers.Agreement(agreement));
            foreach (var o in c.Outputs)
                yield return ($"Output `{o.Name}`{(o.Kind is { } kind ? $" ({kind})" : "")}", "", $"max abs err {Error(o.MaxAbsError)}, mean {Error(o.MeanAbsError)}, cosine {(o.Cosine is double cos ? N(cos, "0.######") : "NaN")}"
                    + (o.WorstSampleCosine is double worst ? $"; worst sample cosine {N(worst, "0.######")} ({o.WorstCosineSample})" : "")
                    + (o.Kind == "regression" && o.WorstErrorSample is { } errorSample ? $", largest error {Error(o.WorstSampleMaxAbsError)} ({errorSample})" : ""));
        }
        yield return ("FLOPs", Formats.Count(r.Baseline.Flops), candidate is null ? "" : Formats.Count(candidate.Flops) + (r.FlopChange is { } change ? $" ({change})" : ""));
        yield return ("Parameters", Formats.Count(r.Baseline.Parameters), candidate is null ? "" : Formats.Count(candidate.Parameters));
        yield return ("Size", Formats.Bytes(r.Baseline.Bytes), candidate is null ? "" : Formats.Bytes(candidate.Bytes));
        if (r.Baseline.LatencyMs is { } own)
            yield return ("Latency (median / p90)", Latency(own), "");
        else if (c?.CandidateLatencyMs is { } lb)
            yield return ("Latency (median / p90)", c.BaselineLatencyMs is { } la ? Latency(la) : "",
                Latency(lb) + (c.Speedup is double s ? $" ({N(s, "0.##")}x)" : ""));
        if (r.Runtime is { } rt && (r.Baseline.LatencyMs is not null || c?.CandidateLatencyMs is not null))
        {
            string session = $"{rt.ExecutionProvider}, {(rt.IntraOpThreads == 0 ? "default intra-op threads" : rt.IntraOpThreads == 1 ? "1 intra-op thread" : $"{rt.IntraOpThreads} intra-op threads")}, graph optimization {rt.GraphOptimization}";
            yield return ("ONNX Runtime session", r.Baseline.LatencyMs is not null ? session : "", r.Baseline.LatencyMs is not null ? "" : session);
        }
        if (c is not null && c.Samples > 0) yield return ("Samples", "", $"{c.Samples} ({c.Data})");
    }

    /// <summary>The plan in one line: its passes, the deployment CPU, static int8 in brief, and whether it was replayed from a lock or written to one.</summary>
    public static string PlanSummary(ReportPlan p)
    {
        string passes = p.Passes.Count == 0 ? "no pass (the original, re-serialized)" : string.Join(" → ", p.Passes);
        string int8 = p.Quantization is { } q ? $"; static int8: calibration {q.Calibration}, {q.Weights} weights, {q.Tensors} tensor(s) with recorded scales" : "";
        string locked = p.Lock is null ? "; no lock file" : p.Replayed ? $"; replayed from {p.Lock} (no search, no calibration)" : $"; lock file {p.Lock}";
        return $"Passes {passes}; deploy CPU {p.DeployCpu}{int8}{locked}.";
    }

    /// <summary>Each layer decision of the plan as (node, pass, setting); an empty node name stands for the unnamed nodes.</summary>
    public static IEnumerable<(string Node, string Pass, string Setting)> PlanLayers(ReportPlan p) =>
        p.Layers.Select(d => (d.Node.Length == 0 ? "(unnamed nodes)" : d.Node, d.Pass, d.Setting));

    private static string Latency(ReportLatency l) => $"{Formats.Seconds(l.Median / 1000)} / {Formats.Seconds(l.P90 / 1000)}";

    private static string Error(double? value) => value is double v ? v.ToString("G4", CultureInfo.InvariantCulture) : "∞";

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
