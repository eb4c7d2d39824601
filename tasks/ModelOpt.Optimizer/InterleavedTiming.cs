using System.Diagnostics;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer;

/// <summary>How one candidate's latency compared with the original's in an interleaved run.</summary>
public sealed record TimedCandidate(string Name, double MedianSeconds, double OriginalMedianSeconds, double FasterShare)
{
    public double Speedup => OriginalMedianSeconds / MedianSeconds;

    /// <summary>Faster beyond the noise: a median gain of at least 5 % and faster in most rounds, not a lucky median.</summary>
    public bool Faster => Speedup >= 1 + Margin && FasterShare >= Majority;

    /// <summary>Slower beyond the noise, by the same rule turned round.</summary>
    public bool Slower => Speedup <= 1 / (1 + Margin) && FasterShare <= 1 - Majority;

    public string Describe() => $"{Speedup:0.00}× ({MedianSeconds * 1e3:0.##} ms vs {OriginalMedianSeconds * 1e3:0.##} ms, faster in {FasterShare:P0} of the rounds)";

    private const double Margin = 0.05;
    private const double Majority = 0.7;
}

/// <summary>
/// Times the original and several candidates on the same input in the same process, round by round
/// (each round runs every model once, the order turning from round to round), so the load of a
/// shared machine falls on all of them alike. Each candidate is judged against the original by its
/// median and by how many rounds it won: one quiet moment cannot make a model look faster.
/// </summary>
public static class InterleavedTiming
{
    public static IReadOnlyList<TimedCandidate> Measure(string originalPath, IReadOnlyList<(string Name, string Path)> candidates, IReadOnlyList<TensorData> inputs,
        OrtSessionSettings session, TimeSpan budget, int minRounds = 7, int maxRounds = 40) =>
        Measure(originalPath, candidates.Select(c => (c.Name, (Func<OrtModelRunner>)(() => OrtModelRunner.FromFile(c.Path, session)))).ToList(), inputs, session, budget, minRounds, maxRounds);

    /// <summary>One candidate held in memory against the original on disk.</summary>
    public static TimedCandidate Measure(string originalPath, Engine.IR.Model candidate, IReadOnlyList<TensorData> inputs, OrtSessionSettings session, TimeSpan budget) =>
        Measure(originalPath, [("candidate", (Func<OrtModelRunner>)(() => OrtModelRunner.FromModel(candidate, session)))], inputs, session, budget, 7, 40)[0];

    private static IReadOnlyList<TimedCandidate> Measure(string originalPath, IReadOnlyList<(string Name, Func<OrtModelRunner> Open)> candidates, IReadOnlyList<TensorData> inputs,
        OrtSessionSettings session, TimeSpan budget, int minRounds, int maxRounds)
    {
        var runners = new List<OrtModelRunner>();
        try
        {
            runners.Add(OrtModelRunner.FromFile(originalPath, session));
            foreach (var (_, open) in candidates) runners.Add(open());
            foreach (var runner in runners)
            {
                runner.Run(inputs);
                runner.Run(inputs);
            }
            var times = runners.Select(_ => new List<double>()).ToList();
            var clock = Stopwatch.StartNew();
            for (int round = 0; round < maxRounds && (round < minRounds || clock.Elapsed < budget); round++)
                for (int k = 0; k < runners.Count; k++)
                {
                    int i = (k + round) % runners.Count;
                    long start = Stopwatch.GetTimestamp();
                    runners[i].Run(inputs);
                    times[i].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
            double original = LatencyMeter.Percentile(times[0], 0.5);
            return candidates.Select((c, j) =>
            {
                var own = times[j + 1];
                double won = own.Where((t, r) => t < times[0][r]).Count() / (double)own.Count;
                return new TimedCandidate(c.Name, LatencyMeter.Percentile(own, 0.5), original, won);
            }).ToList();
        }
        finally
        {
            foreach (var runner in runners) runner.Dispose();
        }
    }
}
