using ModelOpt.Optimizer.Search;

namespace ModelOpt.Optimizer.Tests;

[TestClass]
public sealed class GrowingWalkTests
{
    // Items 0..n−1, each adding `harm` to an error with room `budget`; a jumper adds `jump`.
    private static Func<IReadOnlyList<int>, IReadOnlyList<int>, int, bool> Additive(double harm, double budget, ISet<int> jumpers, double jump, List<int>? sizes = null) =>
        (taken, chunk, _) =>
        {
            sizes?.Add(chunk.Count);
            double error = taken.Concat(chunk).Sum(i => jumpers.Contains(i) ? jump : harm);
            return error <= budget;
        };

    [TestMethod]
    public void LeavesOutTheItemsThatBreakTheTestAloneAndGoesOnPastThem()
    {
        // 98 items of 1e-4 each fit in 1e-2; items 3 and 40 alone would take 2e-2 each.
        var jumpers = new HashSet<int> { 3, 40 };
        var walk = GrowingWalk.Run(Enumerable.Range(0, 100).ToList(), Additive(1e-4, 1e-2, jumpers, 2e-2), i => i.ToString(), () => false);

        CollectionAssert.AreEqual(new[] { 3, 40 }, walk.LeftOut.ToArray());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).Where(i => !jumpers.Contains(i)).ToArray(), walk.Taken.ToArray());
        Assert.IsFalse(walk.Exhausted);
        // Each item left out costs about log₂ of its chunk, each chunk taken one test: far fewer than 100.
        Assert.IsLessThanOrEqualTo(30, walk.Tests, $"{walk.Tests} tests");
    }

    [TestMethod]
    public void StopsOnceTheRoomIsSpent()
    {
        // Monotonic: 37 items fit (37e-4 ≤ 3.7e-3 < 38e-4). After 3 single failures in a row the walk stops.
        var walk = GrowingWalk.Run(Enumerable.Range(0, 200).ToList(), Additive(1e-4, 3.75e-3, new HashSet<int>(), 0), i => i.ToString(), () => false);

        CollectionAssert.AreEqual(Enumerable.Range(0, 37).ToArray(), walk.Taken.ToArray());
        CollectionAssert.AreEqual(new[] { 37, 38, 39 }, walk.LeftOut.ToArray());
        Assert.IsTrue(walk.Exhausted);
        // About twice a bisection's log₂ 200 ≈ 8, plus the three failures that end it.
        Assert.IsLessThanOrEqualTo(20, walk.Tests, $"{walk.Tests} tests");
    }

    [TestMethod]
    public void AfterLeavingOutAnItemItTriesTheRestWhole()
    {
        // Only item 5 breaks the test. Chunks 0 | 1–2 | 3–6 ✗ | 3–4 | 5–8 ✗ | 5–6 ✗ | 5 ✗ (left out),
        // then items 6–99 in one test: 8 tests, where growing chunks would take 6 more.
        var walk = GrowingWalk.Run(Enumerable.Range(0, 100).ToList(), (taken, chunk, _) => !chunk.Contains(5), i => i.ToString(), () => false);

        CollectionAssert.AreEqual(Enumerable.Range(0, 100).Where(i => i != 5).ToArray(), walk.Taken.ToArray());
        Assert.AreEqual(8, walk.Tests);
    }

    [TestMethod]
    public void AnItemLeftOutTakesItsLaterStepsWithIt()
    {
        // Items of one key are steps of one knob: once its first step is left out, its second is not tried.
        string[] keys = ["a", "b", "c", "b", "d"];
        var tried = new List<int>();
        var walk = GrowingWalk.Run(Enumerable.Range(0, 5).ToList(), (taken, chunk, _) =>
        {
            tried.AddRange(chunk);
            return !chunk.Contains(1);
        }, i => keys[i], () => false);

        CollectionAssert.AreEqual(new[] { 0, 2, 4 }, walk.Taken.ToArray());
        CollectionAssert.AreEqual(new[] { 1 }, walk.LeftOut.ToArray());
        CollectionAssert.DoesNotContain(tried, 3);
    }

    [TestMethod]
    public void TheTimeLimitEndsItWithWhatWasTaken()
    {
        int tests = 0;
        var walk = GrowingWalk.Run(Enumerable.Range(0, 100).ToList(), (taken, chunk, _) => ++tests > 0, i => i.ToString(), () => tests >= 3);

        Assert.IsTrue(walk.TimeRanOut);
        Assert.AreEqual(3, walk.Tests);
        CollectionAssert.AreEqual(Enumerable.Range(0, 7).ToArray(), walk.Taken.ToArray());   // chunks of 1, 2 and 4
    }
}
