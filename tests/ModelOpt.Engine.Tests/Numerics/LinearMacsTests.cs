using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Passes.Separable;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The one MAC count of a weighted layer: cost model, sensitivity profile, pruning and the separable ladder share it.</summary>
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

    [TestMethod]
    public void TheSeparableSplitIsPricedByTheWeightsItBuilds()
    {
        // Conv 4 → 6 channels, 3×3, split at rank 2: a depthwise conv [4·2, 1, 3, 3] and a 1×1 conv [6, 4·2, 1, 1].
        var factorization = ConvFactorization.Compute(new float[6 * 4 * 3 * 3], cout: 6, cin: 4, kh: 3, kw: 3);
        var (depthwise, pointwise) = factorization.Factors(2);
        Assert.AreEqual(6L * 4 * 9, factorization.OriginalMacsPerPixel);
        Assert.AreEqual((long)(depthwise.Length + pointwise.Length), factorization.FactorizedMacsPerPixel(2), "one MAC per weight element per output pixel");
        Assert.AreEqual(2L * 4 * (9 + 6), factorization.FactorizedMacsPerPixel(2));
    }
}
