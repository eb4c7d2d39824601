using ModelOpt.Engine.Passes.WeightSharing;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class ScalarKMeansTests
{
    [TestMethod]
    public void FewerDistinctValuesThanClustersAreKeptExactly()
    {
        float[] values = [3, 1, 2, 3, 1, 1];
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, ScalarKMeans.Fit(values, 4));
        CollectionAssert.AreEqual(new byte[] { 2, 0, 1, 2, 0, 0 }, ScalarKMeans.Assign(values, [1, 2, 3]));
    }

    [TestMethod]
    public void SeparatedGroupsGetTheirMeansAsCentroids()
    {
        var random = new Random(5);
        float[] centers = [-4, 0.5f, 7];
        var values = Enumerable.Range(0, 30_000).Select(i => centers[i % 3] + (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();

        var centroids = ScalarKMeans.Fit(values, 3, seed: 1);

        Assert.HasCount(3, centroids);
        for (int c = 0; c < 3; c++)
            Assert.AreEqual(values.Where((_, i) => i % 3 == c).Average(), centroids[c], 1e-4);
        var indices = ScalarKMeans.Assign(values, centroids);
        Assert.IsTrue(indices.Select((index, i) => index == i % 3).All(ok => ok));
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameCodebookAndLloydLowersTheError()
    {
        var random = new Random(8);
        var values = Enumerable.Range(0, 50_000).Select(_ => (float)(random.NextDouble() * random.NextDouble() - 0.3)).ToArray();

        var first = ScalarKMeans.Fit(values, 16, seed: 3, maxIterations: 300, out int iterations);
        var again = ScalarKMeans.Fit(values, 16, seed: 3);
        var seedingOnly = ScalarKMeans.Fit(values, 16, seed: 3, maxIterations: 0, out _);

        CollectionAssert.AreEqual(first, again);
        Assert.IsLessThan(300, iterations, "converged before the cap");
        Assert.IsLessThan(SquaredError(values, seedingOnly), SquaredError(values, first));
    }

    private static double SquaredError(float[] values, float[] centroids)
    {
        var indices = ScalarKMeans.Assign(values, centroids);
        return values.Select((v, i) => Math.Pow(v - centroids[indices[i]], 2)).Sum();
    }
}
