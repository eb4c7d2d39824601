using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Passes;
using ModelOpt.Optimizer;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// <see cref="PassPayoff"/>: which pass is left out for not paying. The comparison's medians time one
/// model after the other, so a slower verdict from them is checked by interleaved rounds before a
/// pass is dropped; a file that grew needs no clock.
/// </summary>
[TestClass]
public sealed class PassPayoffTests
{
    private static readonly ModelFigures Figures = new(10, 1000, 1_000_000);

    // The original takes 2 ms; the candidate 'slowdown' times that by the medians of the comparison.
    private static ValidationReport Report(double slowdown, long candidateBytes, long candidateFlops = 1_000_000)
    {
        var latency = (double s) => new LatencyResult(s, s, [s]);
        var comparison = new ComparisonResult(8, "8 samples", false, null, null, 1, [], latency(2e-3), latency(2e-3 * slowdown), 0, 0);
        return new ValidationReport("a.onnx", "b.onnx", new ModelFootprint(1_000_000, 1000, 4000, []), new ModelFootprint(candidateFlops, 1000, candidateBytes, []), comparison, [], [], []);
    }

    private static IReadOnlyList<PassReport> Passes(string pass) =>
        [new PassReport("freeze", true, 1, 0, Figures, Figures, TimeSpan.Zero, []), new PassReport(pass, true, 3, 0, Figures, Figures, TimeSpan.Zero, [])];

    // Twenty interleaved rounds of 2 ms for the original: the candidate takes 2 ms ÷ speed-up, except in
    // the rounds it loses (it is then 1 % slower than the original).
    private static TimedCandidate Interleaved(double speedup, double fasterShare)
    {
        var original = Enumerable.Repeat(2e-3, 20).ToList();
        var own = original.Select((t, i) => i < fasterShare * 20 ? t / Math.Max(speedup, 1.01) : t * 1.01 / Math.Min(speedup, 1)).ToList();
        return TimedCandidate.From("candidate", original, own);
    }

    [TestMethod]
    public void APassTheMediansCallSlowerIsKeptWhenTheInterleavedRoundsDoNotConfirmIt()
    {
        int timed = 0;
        var unpaid = PassPayoff.Unpaid(Report(slowdown: 1.5, candidateBytes: 4000), Passes("separable"), BudgetSet.None, interleaved: () =>
        {
            timed++;
            return Interleaved(speedup: 0.99, fasterShare: 0.45);
        });

        Assert.IsNull(unpaid, "a one-off median on a busy machine is not a measured slow-down");
        Assert.AreEqual(1, timed);
    }

    [TestMethod]
    public void APassSlowerInTheMediansAndInTheInterleavedRoundsIsLeftOutAndTheWarningSaysHowItWasTimed()
    {
        var unpaid = PassPayoff.Unpaid(Report(slowdown: 1.5, candidateBytes: 4000), Passes("separable"), BudgetSet.None,
            interleaved: () => Interleaved(speedup: 0.7, fasterShare: 0.1));

        Assert.IsNotNull(unpaid);
        Assert.AreEqual("separable", unpaid.Value.Pass);
        StringAssert.Contains(unpaid.Value.Why, "made the model slower and no smaller");
        StringAssert.Contains(unpaid.Value.Why, "timed interleaved");
    }

    [TestMethod]
    public void AFileThatGrewWithoutFewerFlopsIsLeftOutWithoutTiming()
    {
        var unpaid = PassPayoff.Unpaid(Report(slowdown: 1.0, candidateBytes: 5000), Passes("prune"), BudgetSet.None,
            interleaved: () => throw new AssertFailedException("a grown file needs no clock"));

        Assert.AreEqual("prune", unpaid?.Pass);
        StringAssert.Contains(unpaid!.Value.Why, "grew the file");
    }

    [TestMethod]
    public void AFasterOrSmallerPassIsNeverTimedAgain()
    {
        Func<TimedCandidate> never = () => throw new AssertFailedException("nothing to confirm");
        Assert.IsNull(PassPayoff.Unpaid(Report(slowdown: 0.8, candidateBytes: 4000), Passes("separable"), BudgetSet.None, interleaved: never));
        Assert.IsNull(PassPayoff.Unpaid(Report(slowdown: 1.5, candidateBytes: 2000), Passes("fp16"), BudgetSet.None, interleaved: never), "smaller but slower is written with MOPT5009");
    }
}
