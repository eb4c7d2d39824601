using System.Diagnostics;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Times two models in the same process, alternating A, B, A, B…, so that whatever the machine is
/// doing meanwhile (frequency scaling, another process, a garbage collection) falls on both alike
/// and the speedup ratio is fair. Warm-up runs of each come first and are not counted. Wall time
/// unless a <see cref="DecisionClock"/>'s time is given.
/// </summary>
public static class InterleavedLatency
{
    public static (LatencyResult A, LatencyResult B) Measure(Action a, Action b, int warmupRuns = 3, int runs = 20, Func<Action, double>? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupRuns);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        for (int i = 0; i < warmupRuns; i++)
        {
            a();
            b();
        }
        var timesA = new double[runs];
        var timesB = new double[runs];
        time ??= Time;
        for (int i = 0; i < runs; i++)
        {
            timesA[i] = time(a);
            timesB[i] = time(b);
        }
        return (Summary(timesA), Summary(timesB));
    }

    private static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static LatencyResult Summary(double[] samples) =>
        new(LatencyMeter.Percentile(samples, 0.5), LatencyMeter.Percentile(samples, 0.9), samples);
}
