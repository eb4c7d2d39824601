using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Passes;

/// <summary>What the accuracy-aware search may turn for prune (channel groups) and quantize (layers).</summary>
[TestClass]
public sealed class SearchKnobTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestMethod]
    public void SeedCnnHasOnePruneKnobPerConvWithALadderOfDistinctChannelCounts()
    {
        var knobs = PruneKnobs.For(ModelLoader.Load(Seed), OptimizeConfig.Empty);
        CollectionAssert.AreEqual(new[] { "conv1", "conv2" }, knobs.Select(k => k.Name).ToArray());
        // 5 channels: 0.125 keeps 4, 0.25 would keep 4 again, 0.375 keeps 3, 0.5 again 3, 0.625 keeps 2, 0.75 keeps 1.
        CollectionAssert.AreEqual(new[] { 0.125, 0.375, 0.625, 0.75 }, knobs[0].Steps.Select(s => s.Ratio).ToArray());
        StringAssert.Contains(knobs[0].Steps[^1].Label, "1 of 5 channels");
    }

    [TestMethod]
    public void ConvsTiedThroughResidualAddsShareOneKnobAndAUserNullRemovesIt()
    {
        var knobs = PruneKnobs.For(MobileNetV2.Create(), OptimizeConfig.Empty);
        var tied = knobs.Where(k => k.Nodes.Count > 1).ToList();
        Assert.IsTrue(tied.Count > 0, "MobileNetV2's residual blocks tie project convs together");
        Assert.IsFalse(knobs.Any(k => k.Nodes.Any(n => n.EndsWith(".depthwise", StringComparison.Ordinal))), "depthwise convs follow their input's group");
        var group = tied[0];

        // Leaving one conv of the group alone leaves the whole group alone: it has no knob then.
        var config = OptimizeConfig.Parse($$"""{ "overrides": { "nodes": { "^{{group.Nodes[^1].Replace(".", "\\\\.")}}$": { "prune": null } } } }""");
        var without = PruneKnobs.For(MobileNetV2.Create(), config);
        Assert.IsFalse(without.Any(k => k.Name == group.Name));
        Assert.AreEqual(knobs.Count - 1, without.Count);
    }

    [TestMethod]
    [DataRow("{}", "conv1,conv2,fc1,fc2")]
    [DataRow("""{ "quantize": { "keepFloat": ["last"] } }""", "conv1,conv2,fc1")]
    [DataRow("""{ "quantize": { "exclude": { "nodes": ["^conv"] } } }""", "fc1,fc2")]
    [DataRow("""{ "overrides": { "nodes": { "^fc1$": { "quantize": null } } } }""", "conv1,conv2,fc2")]
    [DataRow("""{ "quantize": { "mode": "dynamic" } }""", "fc1,fc2")]
    public void QuantizeKnobsAreTheLayersTheModeWouldRewriteAndTheUserDidNotKeepFloat(string json, string expected)
    {
        var names = QuantizeKnobs.For(ModelLoader.Load(Seed), OptimizeConfig.Parse(json));
        Assert.AreEqual(expected, string.Join(",", names));
    }
}
