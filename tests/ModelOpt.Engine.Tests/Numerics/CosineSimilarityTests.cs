using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The one cosine every budget, comparison and calibration choice reads.</summary>
[TestClass]
public sealed class CosineSimilarityTests
{
    [TestMethod]
    public void CosineOfKnownVectors()
    {
        Assert.AreEqual(1.0, CosineSimilarity.Of([1f, 2f, 3f], [2f, 4f, 6f]), 1e-15);
        Assert.AreEqual(-1.0, CosineSimilarity.Of([1f, 2f], [-1f, -2f]), 1e-15);
        Assert.AreEqual(0.0, CosineSimilarity.Of([1f, 0f], [0f, 5f]), 1e-15);
        Assert.AreEqual(1 / Math.Sqrt(2), CosineSimilarity.Of([1f, 0f], [1f, 1f]), 1e-15);
    }

    [TestMethod]
    public void SilenceInBothIsAgreementAndInOneIsNothingAlike()
    {
        Assert.AreEqual(1.0, CosineSimilarity.Of([0f, 0f], [0f, 0f]));
        Assert.AreEqual(0.0, CosineSimilarity.Of([0f, 0f], [0f, 3f]));
        Assert.AreEqual(0.0, CosineSimilarity.FromSums(0, 4, 0));
    }

    [TestMethod]
    public void RoundingNeverLeavesMinusOneToOne() =>
        Assert.AreEqual(1.0, CosineSimilarity.FromSums(1 + 1e-15, 1, 1));

    [TestMethod]
    public void SumsPooledOverPiecesEqualTheWholeAndFloatSumsDoNotDrift()
    {
        var whole = Enumerable.Range(0, 100_000).Select(i => 1f + i % 7 * 1e-3f).ToArray();
        var other = whole.Select((v, i) => v + (i % 2 == 0 ? 1e-4f : -1e-4f)).ToArray();
        var sums = new CosineSums();
        sums.Add(whole.AsSpan(0, 60_000), other.AsSpan(0, 60_000));
        sums.Add(whole.AsSpan(60_000), other.AsSpan(60_000));
        Assert.AreEqual(CosineSimilarity.Of(whole, other), sums.Value, 1e-15);
        Assert.IsLessThan(1.0, sums.Value);
    }

    [TestMethod]
    public void DifferentLengthsAreRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => CosineSimilarity.Of([1f], [1f, 2f]));
}
