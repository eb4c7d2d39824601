using ModelOpt.Optimizer.Search;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The search log's clock: a step that stops for time marks the search as cut short (the run then
/// warns that the plan depends on the machine's speed); a step that only looks whether time is up
/// (and skips an optional extra) does not.
/// </summary>
[TestClass]
public sealed class SearchLogTests
{
    [TestMethod]
    public void OnlyAStepThatStopsForTimeMarksTheSearchCutShort()
    {
        var now = TimeSpan.Zero;
        using var log = new SearchLog(null, () => now, TimeSpan.FromSeconds(100), TimeSpan.Zero);
        Assert.IsFalse(log.OutOfTime(), "time is not up at the start");
        Assert.IsFalse(log.TimeRanOut);

        log.Validated(30);
        now = TimeSpan.FromSeconds(50);
        // 50 s + two validations of 30 s run past 100 s: up, but a look alone decides nothing.
        Assert.IsTrue(log.TimeUp());
        Assert.IsFalse(log.TimeRanOut, "looking is not stopping");

        Assert.IsTrue(log.OutOfTime());
        Assert.IsTrue(log.TimeRanOut, "a step that stopped for time cut the search short");
    }

    [TestMethod]
    public void AWalkThatRanOutMarksTheSearchCutShort()
    {
        using var log = new SearchLog(null, () => TimeSpan.Zero, TimeSpan.FromSeconds(100), TimeSpan.Zero);
        log.RanOut();
        Assert.IsTrue(log.TimeRanOut);
        Assert.IsFalse(log.TimeUp(), "the mark does not move the clock");
    }
}
