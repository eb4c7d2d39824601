using System.Diagnostics;

namespace ModelOpt.Validation;

/// <summary>Latency figures from timed runs, in seconds.</summary>
public sealed record LatencyResult(double MedianSeconds, double P90Seconds, IReadOnlyList<double> Samples);

/// <summary>
/// Times an action: warm-up runs first (they pay for allocation and lazy kernel setup and are not
/// counted), then <c>runs</c> timed runs reported as median and 90th percentile, which resist the
/// outliers a shared machine produces better than a mean does.
/// </summary>
public static class LatencyMeter
{
    public static LatencyResult Measure(Action run, int warmupRuns = 3, int runs = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupRuns);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        for (int i = 0; i < warmupRuns; i++) run();
        var samples = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new LatencyResult(Percentile(samples, 0.5), Percentile(samples, 0.9), samples);
    }

    /// <summary>Linear interpolation between closest ranks (the median of an even count is the mean of the middle two).</summary>
    public static double Percentile(IReadOnlyList<double> samples, double fraction)
    {
        if (samples.Count == 0) throw new ArgumentException("No samples.", nameof(samples));
        var sorted = samples.Order().ToArray();
        double position = fraction * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
