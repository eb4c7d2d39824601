using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer;

/// <summary>
/// Which of the plans the automatic plan timed is written: the fastest beyond the noise (a smaller
/// file breaking near-ties), else the smallest by a tenth that is no slower, else none. A model too
/// small for a timing to resolve a 5 % gain (<see cref="TimingResolution"/>, judged on the original's
/// fastest run) gets no speed-based choice: the smallest plan by a tenth is written, or none, so the
/// same command makes the same plan idle and under load.
/// </summary>
internal static class PlanChoice
{
    /// <summary>A plan as the choice sees it: its timing against the original (null: not timed) and its file's size against the source's.</summary>
    public sealed record Option(TimedCandidate? Timing, long OutputBytes, long SourceBytes);

    // A size win must be worth a line in the build: a tenth of the file at least.
    public const double MinSizeGain = 0.9;

    /// <summary>The index of the plan to write (null: none) and, where speed decided nothing because the model is too small to time, the line that says so.</summary>
    public static (int? Chosen, string? Note) Choose(IReadOnlyList<Option> options)
    {
        var measured = Enumerable.Range(0, options.Count).Where(i => options[i].Timing is not null).ToList();
        if (measured.Count == 0) return (null, null);
        double fastest = measured.Min(i => options[i].Timing!.OriginalFastestSeconds);
        bool smaller(int i) => options[i].OutputBytes <= options[i].SourceBytes * MinSizeGain;
        if (fastest < TimingResolution.SmallModelSeconds)
        {
            int? smallest = measured.Where(smaller).OrderBy(i => options[i].OutputBytes).Select(i => (int?)i).FirstOrDefault();
            return (smallest, $"{TimingResolution.Why(fastest)}: the smallest plan by a tenth of the file is written, or the original if none is.");
        }
        var faster = measured.Where(i => options[i].Timing!.IsFaster).OrderByDescending(i => options[i].Timing!.Speedup).ToList();
        if (faster.Count > 0)
        {
            double best = options[faster[0]].Timing!.Speedup;
            return (faster.Where(i => options[i].Timing!.Speedup >= best * 0.97).OrderBy(i => options[i].OutputBytes).First(), null);
        }
        return (measured.Where(i => !options[i].Timing!.IsSlower && smaller(i)).OrderBy(i => options[i].OutputBytes).Select(i => (int?)i).FirstOrDefault(), null);
    }
}
