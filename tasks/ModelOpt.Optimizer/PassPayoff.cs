using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation.Budgets;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Refit;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer;

/// <summary>
/// Whether the passes paid for themselves on the model as written, judged on the figures the
/// validation measured: a rewrite that grew the file without making it faster or cheaper in FLOPs,
/// or one that made it slower without making it smaller, is left out with a warning (as int8 that
/// is slower already is); a model that is smaller but slower is written, with a warning that says
/// so. Noisy latency is given a margin both ways: only a clear loss counts.
/// </summary>
public static class PassPayoff
{
    // Below this speed-up the candidate is slower beyond what a shared machine's noise explains.
    private const double Slower = 0.93;
    private const double SameSize = 0.99;
    private const double FewerFlops = 0.99;
    private const double Grown = 1.01;
    private const string WidensToFloat32 = Engine.Passes.Fp16.Fp32Pass.PassName;

    // Passes that tidy rather than compress: freeze folds and cleans up, refit only refits what another pass compressed.
    private static readonly HashSet<string> Helpers = new(StringComparer.Ordinal) { FreezePass.PassName, RefitPass.PassName };

    /// <summary>
    /// The pass to leave out and the warning that says why, or null when every pass paid (or none can
    /// be blamed). <paramref name="kept"/>: passes the user keeps whatever they cost (quantize's
    /// <c>allowSlower</c> or <c>required</c>). <paramref name="interleaved"/> times the written model
    /// against the original round by round: the comparison's medians are taken one model after the
    /// other, so a burst of load on a shared machine can make either look slower; a pass is left
    /// out for its speed only when the interleaved rounds say it is slower too.
    /// </summary>
    public static (string Pass, string Why)? Unpaid(ValidationReport report, IReadOnlyList<PassReport> passes, BudgetSet budgets, IReadOnlyCollection<string>? kept = null,
        Func<TimedCandidate>? interleaved = null)
    {
        var (a, b) = (report.BaselineFootprint, report.CandidateFootprint);
        double? speedup = Speedup(report);
        bool fewerFlops = a.Flops is long fa && b.Flops is long fb && fb < fa * FewerFlops;
        var blamed = passes.LastOrDefault(p => p.Changed && !Helpers.Contains(p.Pass));
        if (blamed is null || kept?.Contains(blamed.Pass) == true) return null;
        // Every compressing pass is meant to shrink the file or the arithmetic; a bigger file with
        // no fewer FLOPs is a loss whatever a noisy clock says. fp32 grows the file by design.
        bool grew = b.Bytes > a.Bytes * Grown && !fewerFlops && blamed.Pass != WidensToFloat32;
        bool slowerNotSmaller = speedup is < Slower && b.Bytes >= a.Bytes * SameSize;
        if (!grew && !slowerNotSmaller) return null;
        // A FLOP or parameter budget the user set may need the rewrite whatever it does to the clock.
        if (!grew && budgets.All.Any(x => !x.Definition.NeedsOutputs && !x.Definition.NeedsLatency && x.Definition != BudgetDefinition.MaxSize)) return null;
        TimedCandidate? timed = null;
        if (!grew && interleaved is not null)
        {
            timed = interleaved();
            if (!timed.IsSlower) return null;
        }
        string flops = a.Flops is long x1 && b.Flops is long x2 ? $"FLOPs {Quantity.Format(x1, QuantityKind.Flops)} → {Quantity.Format(x2, QuantityKind.Flops)}" : "FLOPs unknown";
        string speed = timed is not null ? $"{timed.Describe()} timed interleaved" : speedup is double s ? $"{s:0.00}× the original's speed (median)" : "speed not measured";
        string what = grew ? "grew the file it was meant to shrink" : "made the model slower and no smaller";
        return (blamed.Pass, $"{blamed.Pass} skipped: it {what} (size {Quantity.Format(a.Bytes, QuantityKind.Bytes)} → {Quantity.Format(b.Bytes, QuantityKind.Bytes)}, {flops}, {speed}); the model is written without it.");
    }

    // The comparison's speed-up, where the model is big enough for its median to mean something:
    // below QuantizationSpeedCheck.SmallModelSeconds a run is launch overhead, and a loaded machine moves it by more than 7 %.
    private static double? Speedup(ValidationReport report) =>
        report.Comparison is { Speedup: double s, BaselineLatency.MedianSeconds: >= QuantizationSpeedCheck.SmallModelSeconds } ? s : null;

    /// <summary>A warning for a model written smaller but clearly slower (fp16 on a CPU without float16 arithmetic): the user should know what they trade.</summary>
    public static string? SlowerButSmaller(ValidationReport report)
    {
        var (a, b) = (report.BaselineFootprint, report.CandidateFootprint);
        if (Speedup(report) is not (< Slower and var s) || b.Bytes >= a.Bytes * SameSize) return null;
        return $"the written model runs at {s:0.00}× the original's speed (median), slower; it is written because it is smaller (size {Quantity.Format(a.Bytes, QuantityKind.Bytes)} → {Quantity.Format(b.Bytes, QuantityKind.Bytes)}). Leave out the pass that slowed it if speed matters more than size.";
    }
}
