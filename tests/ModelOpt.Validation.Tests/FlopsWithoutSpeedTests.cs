using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class FlopsWithoutSpeedTests
{
    private static ComparisonResult Timed(double baselineMs, double candidateMs) =>
        new(10, "10 samples", false, null, null, 1, [],
            new LatencyResult(baselineMs / 1000, baselineMs / 1000, []), new LatencyResult(candidateMs / 1000, candidateMs / 1000, []), 1, 1);

    private static ModelFootprint Flops(long flops) => new(flops, 0, 0, []);

    [TestMethod]
    public void FewerFlopsWithoutFewerMillisecondsIsFlagged()
    {
        string? flag = BudgetValidator.FlopsWithoutSpeed(Flops(4_000_000), Flops(1_000_000), Timed(10, 9.5));
        Assert.IsNotNull(flag);
        StringAssert.Contains(flag, "FLOPs fell 4×");
        StringAssert.Contains(flag, "1.05×");
    }

    [TestMethod]
    public void ASpeedUpThatFollowsTheFlopsIsNotFlagged()
    {
        Assert.IsNull(BudgetValidator.FlopsWithoutSpeed(Flops(4_000_000), Flops(1_000_000), Timed(10, 4)));
        Assert.IsNull(BudgetValidator.FlopsWithoutSpeed(Flops(1_050_000), Flops(1_000_000), Timed(10, 10)), "a 5% FLOP change is noise");
        Assert.IsNull(BudgetValidator.FlopsWithoutSpeed(Flops(4_000_000), Flops(1_000_000), null), "nothing to say without timings");
    }
}
