using Microsoft.ML.OnnxRuntime;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class DecisionClockTests
{
    [TestMethod]
    public void DecisionsOnTheCpuRunAtOneThreadOnTheThreadsOwnCpuTimeKeepingTheUsersOtherOptions()
    {
        var user = OrtSessionSettings.Default with { OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        var clock = DecisionClock.For(user);
        // CI and the developers' machines are Linux: the per-thread clock must be there, or every decision would follow the load.
        Assert.IsTrue(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? clock.ThreadCpu : !clock.ThreadCpu);
        if (!clock.ThreadCpu) return;
        Assert.AreEqual(1, clock.Session.IntraOpThreads);
        Assert.AreEqual(GraphOptimizationLevel.ORT_ENABLE_BASIC, clock.Session.OptimizationLevel);
        Assert.AreEqual("cpu", clock.Session.ExecutionProvider);
        StringAssert.Contains(clock.Describe(), "thread CPU time");
    }

    [TestMethod]
    public void TimeSpentWaitingIsNotCountedOnTheThreadClockButIsOnTheWallClock()
    {
        // What another process takes from a run is time the run waits: the thread clock leaves it out.
        var clock = DecisionClock.For(OrtSessionSettings.Default);
        if (!clock.ThreadCpu) return; // no per-thread clock on this OS: the test above says whether there must be one
        double waited = clock.Time(() => Thread.Sleep(300));
        Assert.IsTrue(waited < 0.1, $"thread CPU time of a 300 ms sleep: {waited:0.###} s");
        double wall = DecisionClock.Wall(OrtSessionSettings.Default).Time(() => Thread.Sleep(300));
        Assert.IsTrue(wall >= 0.29, $"wall time of a 300 ms sleep: {wall:0.###} s");
    }

    [TestMethod]
    public void AProviderWhoseWorkIsNotTheCallingThreadsIsTimedOnTheWallUnderTheUsersSession()
    {
        var user = OrtSessionSettings.Default with { ExecutionProvider = "cuda", IntraOpThreads = 4 };
        var clock = DecisionClock.For(user);
        Assert.IsFalse(clock.ThreadCpu);
        Assert.AreEqual(user, clock.Session);
        Assert.AreEqual("wall time", clock.Describe());
    }
}
