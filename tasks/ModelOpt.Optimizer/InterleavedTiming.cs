using System.Diagnostics;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer;

/// <summary>
/// How one candidate's latency compared with the original's in an interleaved run: the medians, and
/// the rounds paired (the original's run and the candidate's in the same round), judged by
/// <see cref="PairedTiming"/>'s sign-test bound — faster or slower only beyond a 5 % margin at 95 %
/// confidence, so a lucky median or a burst of load in a few rounds decides nothing.
/// </summary>
public sealed record TimedCandidate(string Name, double MedianSeconds, double OriginalMedianSeconds, PairedTiming.Verdict Faster, PairedTiming.Verdict Slower)
{
    public double Speedup => OriginalMedianSeconds / MedianSeconds;

    /// <summary>Faster beyond the noise: the bound on the paired speed-up clears 1.05×.</summary>
    public bool IsFaster => Faster.Faster;

    /// <summary>Slower beyond the noise: the same rule with the two models' parts swapped.</summary>
    public bool IsSlower => Slower.Faster;

    /// <summary>The original's fastest run in these rounds: what <see cref="TimingResolution"/> judges.</summary>
    public double OriginalFastestSeconds { get; init; } = OriginalMedianSeconds;

    /// <summary>Judges a candidate's per-round times against the original's from the same rounds.</summary>
    public static TimedCandidate From(string name, IReadOnlyList<double> original, IReadOnlyList<double> own) =>
        new(name, LatencyMeter.Percentile(own, 0.5), LatencyMeter.Percentile(original, 0.5), PairedTiming.Speedup(original, own), PairedTiming.Speedup(own, original))
        {
            OriginalFastestSeconds = original.Count > 0 ? original.Min() : double.NaN,
        };

    /// <summary>Timed on the thread's CPU time at one intra-op thread (<see cref="DecisionClock"/>) rather than wall time.</summary>
    public bool ThreadCpu { get; init; }

    public string Describe() => $"{Speedup:0.00}× ({MedianSeconds * 1e3:0.##} ms vs {OriginalMedianSeconds * 1e3:0.##} ms{(ThreadCpu ? " of thread CPU time at 1 intra-op thread" : "")}; {Faster})";
}

/// <summary>
/// Times the original and several candidates on the same input in the same process, round by round
/// (each round runs every model once, the order turning from round to round), so the load of a
/// shared machine falls on all of them alike. Each candidate is judged against the original by its
/// median and by how many rounds it won: one quiet moment cannot make a model look faster. The
/// rounds run on the clock given: a choice runs on the <see cref="DecisionClock"/> (what it chooses
/// must not follow the machine's load), a benchmark on wall time under the user's session.
/// </summary>
public static class InterleavedTiming
{
    public static IReadOnlyList<TimedCandidate> Measure(string originalPath, IReadOnlyList<(string Name, string Path)> candidates, IReadOnlyList<TensorData> inputs,
        DecisionClock clock, TimeSpan budget, int minRounds = 7, int maxRounds = 40) =>
        Measure(originalPath, candidates.Select(c => (c.Name, (Func<OrtModelRunner>)(() => OrtModelRunner.FromFile(c.Path, clock.Session)))).ToList(), inputs, clock, budget, minRounds, maxRounds);

    /// <summary>One candidate held in memory against the original on disk.</summary>
    public static TimedCandidate Measure(string originalPath, Engine.IR.Model candidate, IReadOnlyList<TensorData> inputs, DecisionClock clock, TimeSpan budget) =>
        Measure(originalPath, [("candidate", (Func<OrtModelRunner>)(() => OrtModelRunner.FromModel(candidate, clock.Session)))], inputs, clock, budget, 7, 40)[0];

    private static IReadOnlyList<TimedCandidate> Measure(string originalPath, IReadOnlyList<(string Name, Func<OrtModelRunner> Open)> candidates, IReadOnlyList<TensorData> inputs,
        DecisionClock decisions, TimeSpan budget, int minRounds, int maxRounds)
    {
        var runners = new List<OrtModelRunner>();
        try
        {
            runners.Add(OrtModelRunner.FromFile(originalPath, decisions.Session));
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
                    times[i].Add(decisions.Time(() => runners[i].Run(inputs)));
                }
            return candidates.Select((c, j) => TimedCandidate.From(c.Name, times[0], times[j + 1]) with { ThreadCpu = decisions.ThreadCpu }).ToList();
        }
        finally
        {
            foreach (var runner in runners) runner.Dispose();
        }
    }
}
