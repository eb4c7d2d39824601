using ModelOpt.Optimizer.Search;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Tests;

/// <summary>The search's forecast of the worst cosine the confirmation will see (<see cref="ConfirmationForecast.Cosine"/>).</summary>
[TestClass]
public sealed class ConfirmationForecastTests
{
    private static ComparisonResult Measured(params double[] errors) =>
        new(errors.Length, $"{errors.Length} samples", false, null, null, 1,
            [new ModelOpt.Validation.Comparison.OutputComparison("y", 100, 0, 0, 1 - errors.Average()) { SampleCosines = errors.Select(e => 1 - e).ToList() }], null, null, 0, 0);

    [TestMethod]
    public void TheWorstOfAHandfulIsForecastFromItsWorstSamplesNotFromTheBulk()
    {
        // det's 6 choosing pages with a few layers int8: the pages with little text barely move. Their
        // spread is the bulk's; the tail is the worst two. The forecast stays within a few times the
        // seen worst (it was 0.934 with the scale taken from 5 of the 6).
        var (bound, _) = ConfirmationForecast.Cosine(Measured(3.6e-3, 2.5e-3, 2e-3, 1.2e-3, 5e-4, 2e-4), confirmation: 5, confidence: 0.95)!.Value;
        Assert.IsGreaterThan(0.99, bound);
        Assert.IsLessThan(1 - 3.6e-3, bound);
    }

    [TestMethod]
    public void AWorstSampleFarOutsideTheOthersStillMovesTheForecastDown()
    {
        var (tight, _) = ConfirmationForecast.Cosine(Measured(6e-3, 5.5e-3, 5e-3, 4.5e-3, 4e-3, 3.5e-3), 5, 0.95)!.Value;
        var (outlier, _) = ConfirmationForecast.Cosine(Measured(6e-3, 1.5e-3, 1.2e-3, 1e-3, 9e-4, 8e-4), 5, 0.95)!.Value;
        Assert.IsLessThan(1 - 6e-3, tight);
        Assert.IsLessThan(0.99, outlier);
        Assert.IsLessThan(tight, outlier);
    }

    [TestMethod]
    [DataRow(3, 2)]
    [DataRow(6, 2)]
    [DataRow(11, 3)]
    [DataRow(24, 8)]
    [DataRow(100, 8)]
    public void TheTailIsTheWorstThird(int samples, int tail) => Assert.AreEqual(tail, ConfirmationForecast.TailSamples(samples));
}
