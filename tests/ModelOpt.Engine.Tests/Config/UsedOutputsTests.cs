using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Config;

[TestClass]
public sealed class UsedOutputsTests
{
    [TestMethod]
    public void KeepingTheMaskRemovesTheFeaturesHeadAndOnlyIt()
    {
        var model = TwoHeadNet.Create();
        var removed = UsedOutputs.Parse([TwoHeadNet.Mask]).Apply(model);

        CollectionAssert.AreEqual(new[] { TwoHeadNet.Features }, removed.ToArray());
        CollectionAssert.AreEqual(new[] { TwoHeadNet.Mask }, model.Graph.Outputs.Select(o => o.Name).ToArray());
        var nodes = model.Graph.Nodes.Select(n => n.Name).ToList();
        Assert.DoesNotContain("features_head", nodes);
        Assert.DoesNotContain("features_scale2", nodes);
        Assert.Contains("trunk", nodes, "the trunk feeds the mask too");
        Assert.Contains("mask_head", nodes);
        Assert.IsFalse(model.Graph.Initializers.Any(i => i.Name.StartsWith("features_", StringComparison.Ordinal)), "the head's weights go with it");
    }

    [TestMethod]
    public void NamesAreSplitAtCommasAndNoneMeansEveryOutput()
    {
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, UsedOutputs.Parse(["a, b", "c", "a"]).Names.ToArray());
        var model = TwoHeadNet.Create();
        Assert.IsEmpty(UsedOutputs.All.Apply(model));
        Assert.HasCount(2, model.Graph.Outputs);
        Assert.AreEqual("x", UsedOutputs.All.Over(UsedOutputs.Parse(["x"])).Names.Single(), "the config's names when none were given");
        Assert.AreEqual("y", UsedOutputs.Parse(["y"]).Over(UsedOutputs.Parse(["x"])).Names.Single(), "the command line's win");
    }

    [TestMethod]
    public void AnOutputTheModelLacksIsNamedWithTheOutputsItHas()
    {
        var model = TwoHeadNet.Create();
        var e = Assert.ThrowsExactly<ModelOptException>(() => UsedOutputs.Parse(["mask", "maks2"]).Apply(model));
        Assert.AreEqual(ErrorCode.UnknownOutputName, e.Code);
        Assert.AreEqual(2, e.ExitCode);
        StringAssert.Contains(e.Message, "'maks2'");
        StringAssert.Contains(e.Message, "its outputs are: mask, features");
        Assert.HasCount(2, model.Graph.Outputs, "nothing is removed when a name is wrong");
    }

    [TestMethod]
    public void TheConfigFileCarriesUsedOutputsAndTheCommandLineWins()
    {
        var config = OptimizeConfig.Parse("""{ "usedOutputs": ["mask"] }""");
        CollectionAssert.AreEqual(new[] { "mask" }, config.UsedOutputs.Names.ToArray());
        CollectionAssert.AreEqual(new[] { "features" }, config.WithUsedOutputs(UsedOutputs.Parse(["features"])).UsedOutputs.Names.ToArray());
        Assert.IsTrue(OptimizeConfig.Parse("{}").UsedOutputs.IsAll);
    }
}
