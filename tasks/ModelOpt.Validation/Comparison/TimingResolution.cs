namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Whether a model runs long enough for a timing to decide anything. Below
/// <see cref="SmallModelSeconds"/> a run is launch overhead: a 5 % gain is a few microseconds, less
/// than what the scheduler adds to some runs, so a paired bound on it clears the margin on one run
/// and misses on the next, and the same command would choose differently idle and under load. Such a
/// model gets no speed-based choice. The model's fastest run decides, not its median: load slows some
/// runs by tens of times (thread-pool contention) but leaves a few undisturbed, so the fastest is
/// close to what an idle machine measures and the rule gives the same answer either way.
/// </summary>
public static class TimingResolution
{
    /// <summary>Below this a run is too short for a timing to resolve a 5 % gain at confidence.</summary>
    public const double SmallModelSeconds = 0.5e-3;

    /// <summary>True when the fastest of <paramref name="originalRuns"/> (seconds) is below <see cref="SmallModelSeconds"/>.</summary>
    public static bool TooSmall(IReadOnlyCollection<double> originalRuns) => originalRuns.Count > 0 && originalRuns.Min() < SmallModelSeconds;

    /// <summary>The one line that says why no choice was made by speed.</summary>
    public static string Why(double fastestSeconds) =>
        $"the model runs in {fastestSeconds * 1e3:0.###} ms at its fastest, below {SmallModelSeconds * 1e3:0.#} ms: a 5 % gain is then too small for interleaved runs to resolve at 95 % confidence (it would follow the machine's load), so nothing is chosen for its speed";
}
