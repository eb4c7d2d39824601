using ModelOpt.Validation.Comparison;
using ModelOpt.Optimizer.Search;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The rule speed decisions are taken by (keep int8 because it is faster, take a segment because
/// its int8 saves time), on fake timings: an idle machine's, and the same with another process
/// adding time to some runs. The decision must be the same on both, or more cautious when busy.
/// </summary>
[TestClass]
public sealed class PairedTimingTests
{
    // 15 interleaved pairs around the given means, with 1 % jitter; busy: 5 runs of either model get 20–80 % more.
    private static (double[] Baseline, double[] Candidate) Timings(double baseline, double candidate, bool busy, int seed, int runs = 15)
    {
        var random = new Random(seed);
        double Jitter() => 1 + (random.NextDouble() - 0.5) * 0.02;
        var a = Enumerable.Range(0, runs).Select(_ => baseline * Jitter()).ToArray();
        var b = Enumerable.Range(0, runs).Select(_ => candidate * Jitter()).ToArray();
        if (busy)
            for (int i = 0; i < 5; i++)
            {
                int run = random.Next(runs);
                double extra = 1.2 + random.NextDouble() * 0.6;
                if (random.Next(2) == 0) a[run] *= extra;
                else b[run] *= extra;
            }
        return (a, b);
    }

    [TestMethod]
    public void TheSignTestBoundIsTheOrderStatisticTheBinomialAllows()
    {
        var values = Enumerable.Range(1, 15).Select(i => (double)i).Reverse().ToList();
        // P(Binomial(15, ½) ≤ 3) = 0.018 ≤ 0.05 < P(≤ 4) = 0.059: the 4th smallest.
        Assert.AreEqual(4.0, PairedTiming.LowerBound(values));
        Assert.AreEqual(1.0, PairedTiming.LowerBound([7.0, 1, 2, 3, 4, 5, 6]));
        Assert.IsTrue(double.IsNegativeInfinity(PairedTiming.LowerBound([1.0, 2, 3, 4])), "4 values cannot give a 95 % bound");
    }

    // One pair of runs at the given means with 1 % jitter; busy: a third of the runs of either model get 20–80 % more.
    private static Func<(double, double)> Pairs(double baseline, double candidate, bool busy, int seed)
    {
        var random = new Random(seed);
        double Run(double mean) => mean * (1 + (random.NextDouble() - 0.5) * 0.02) * (busy && random.Next(6) == 0 ? 1.2 + random.NextDouble() * 0.6 : 1);
        return () => (Run(baseline), Run(candidate));
    }

    [TestMethod]
    [DataRow(1.00, 0.80, true)]    // 1.25×: faster on an idle and on a busy machine
    [DataRow(1.00, 0.90, true)]    // 1.11×
    [DataRow(1.00, 0.97, false)]   // 1.03×: within the 5 % margin, never taken
    [DataRow(1.00, 1.05, false)]   // slower
    public void ASpeedDecisionIsTheSameOnAnIdleAndABusyMachine(double baseline, double candidate, bool faster)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            int idleRuns = 0, busyRuns = 0;
            var idlePairs = Pairs(baseline, candidate, busy: false, seed);
            var busyPairs = Pairs(baseline, candidate, busy: true, seed);
            var idle = PairedTiming.Decide(() => { idleRuns++; return idlePairs(); });
            var busy = PairedTiming.Decide(() => { busyRuns++; return busyPairs(); });
            Assert.AreEqual(faster, idle.Faster, $"idle, seed {seed}: {idle}");
            Assert.AreEqual(faster, busy.Faster, $"busy, seed {seed}: {busy}");
            // An idle machine decides on the first 15 pairs; a busy one may pay for more, never more than 45.
            Assert.AreEqual(15, idleRuns);
            Assert.IsLessThanOrEqualTo(45, busyRuns);
        }
    }

    [TestMethod]
    public void TwoMediansWouldHaveDecidedOnNoise()
    {
        // A 2 % advantage the medians show as "faster": the old rule (median below median) took it.
        var (a, b) = Timings(1.00, 0.98, busy: false, seed: 3);
        Assert.IsLessThan(PairedTiming.Median(a), PairedTiming.Median(b));
        Assert.IsFalse(PairedTiming.Speedup(a, b).Faster);
    }

    [TestMethod]
    public void ASegmentSavesTimeOnlyWhenThePairsTellItFromNoise()
    {
        // A segment saving 3 % of a 10 ms run, on a busy machine: counted, at about what it saves.
        var (a, b) = Timings(0.010, 0.0097, busy: true, seed: 1, runs: 11);
        double saved = OutputProbe.SegmentSaving(a, b);
        Assert.IsTrue(saved is > 0.0002 and < 0.0004, $"{saved}");
        // None: the pairs differ only by noise.
        (a, b) = Timings(0.010, 0.010, busy: true, seed: 2, runs: 11);
        Assert.AreEqual(0.0, OutputProbe.SegmentSaving(a, b));
    }
}
