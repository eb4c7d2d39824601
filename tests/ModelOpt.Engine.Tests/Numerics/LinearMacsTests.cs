using ModelOpt.Engine.Cost;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The one MAC count of a weighted layer: cost model, sensitivity profile and pruning share it.</summary>
[TestClass]
public sealed class LinearMacsTests
{
    [TestMethod]
    public void AConvCostsItsOutputPositionsTimesItsWeights()
    {
        // Conv 3 → 8 channels, 3×3, on a 10×10 output: 100 positions × 8·3·3·3 weights.
        long[] weight = [8, 3, 3, 3];
        Assert.AreEqual(100L * 8 * 3 * 3 * 3, LinearMacs.Of(100L, weight));
        Assert.AreEqual(3L * 3 * 3, LinearMacs.PerOutputElement(weight));
        // The same count per output element: 800 output elements × 27.
        Assert.AreEqual(LinearMacs.Of(100L, weight), 800 * LinearMacs.PerOutputElement(weight));
        Assert.AreEqual(2.5 * 8 * 3 * 3 * 3, LinearMacs.Of(2.5, weight));
    }

    [TestMethod]
    public void AGemmCostsRowsTimesKTimesN() => Assert.AreEqual(4L * 64 * 10, LinearMacs.Of(4L, [64L, 10L]));
}
