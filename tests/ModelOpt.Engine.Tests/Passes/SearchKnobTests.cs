using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Engine.Passes.LowRank;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Passes.Separable;

namespace ModelOpt.Engine.Tests.Passes;

/// <summary>What each pass declares the accuracy-aware search may turn (<see cref="IKnobProvider"/>).</summary>
[TestClass]
public sealed class SearchKnobTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static IReadOnlyList<LayerKnob> Knobs(IKnobProvider pass, string json = "{}") =>
        pass.Knobs(ModelLoader.Load(Seed), new PassContext(Seed) { Config = OptimizeConfig.Parse(json) });

    [TestMethod]
    public void SeedCnnHasOnePruneKnobPerConvWithALadderOfDistinctChannelCounts()
    {
        var knobs = PruneKnobs.For(ModelLoader.Load(Seed), OptimizeConfig.Empty);
        CollectionAssert.AreEqual(new[] { "conv1", "conv2" }, knobs.Select(k => k.Node).ToArray());
        // 5 channels, in sixteenths: 2/16 keeps 4 (1/16 would keep 5), 5/16 keeps 3, 9/16 keeps 2 (8/16 rounds 2.5 up to 3), 12/16 keeps 1.
        CollectionAssert.AreEqual(new[] { 0.125, 0.3125, 0.5625, 0.75 }, knobs[0].Ladder.Select(s => s.Settings["ratio"]!.GetValue<double>()).ToArray());
        StringAssert.Contains(knobs[0].Ladder[^1].Label, "1 of 5 channels");
        // Each step removes the channels of the step before it and more, as the pass would.
        var removed = knobs[0].Ladder.Select(s => ((LocalChange.RemovedOutputs)s.Change).Channels).ToList();
        for (int i = 1; i < removed.Count; i++) Assert.IsTrue(removed[i - 1].All(removed[i].Contains));
        CollectionAssert.AreEqual(new[] { 0.8, 0.6, 0.4, 0.2 }, knobs[0].Ladder.Select(s => Math.Round(s.MacsLeft, 3)).ToArray());
    }

    [TestMethod]
    public void ConvsTiedThroughResidualAddsShareOneKnobAndAUserNullRemovesIt()
    {
        var knobs = PruneKnobs.For(MobileNetV2.Create(), OptimizeConfig.Empty);
        var tied = knobs.Where(k => k.Members.Count > 1).ToList();
        Assert.IsTrue(tied.Count > 0, "MobileNetV2's residual blocks tie project convs together");
        Assert.IsFalse(knobs.Any(k => k.Members.Any(n => n.EndsWith(".depthwise", StringComparison.Ordinal))), "depthwise convs follow their input's group");
        var group = tied[0];

        // Leaving one conv of the group alone leaves the whole group alone: it has no knob then.
        var config = OptimizeConfig.Parse($$"""{ "overrides": { "nodes": { "^{{group.Members[^1].Replace(".", "\\\\.")}}$": { "prune": null } } } }""");
        var without = PruneKnobs.For(MobileNetV2.Create(), config);
        Assert.IsFalse(without.Any(k => k.Node == group.Node));
        Assert.AreEqual(knobs.Count - 1, without.Count);
    }

    [TestMethod]
    public void UnstructuredPruningSavesNoMacsAndSoHasNoKnobs() =>
        Assert.IsEmpty(Knobs(new PrunePass(), """{ "prune": { "mode": "unstructured" } }"""));

    [TestMethod]
    [DataRow("{}", "conv1,conv2,fc1,fc2")]
    [DataRow("""{ "quantize": { "keepFloat": ["last"] } }""", "conv1,conv2,fc1")]
    [DataRow("""{ "quantize": { "exclude": { "nodes": ["^conv"] } } }""", "fc1,fc2")]
    [DataRow("""{ "overrides": { "nodes": { "^fc1$": { "quantize": null } } } }""", "conv1,conv2,fc2")]
    [DataRow("""{ "quantize": { "mode": "dynamic" } }""", "fc1,fc2")]
    public void QuantizeKnobsAreTheLayersTheModeWouldRewriteAndTheUserDidNotKeepFloat(string json, string expected)
    {
        var knobs = Knobs(new QuantizePass(), json);
        Assert.AreEqual(expected, string.Join(",", knobs.Select(k => k.Node)));
        Assert.IsTrue(knobs.All(k => k.Ladder.All(s => s.Change is LocalChange.Quantized { WeightBits: 8 })));
        // Static mode offers each MatMul/Gemm dynamic first and static as its alternative; a conv, and dynamic mode, one setting.
        bool staticMode = !json.Contains("dynamic", StringComparison.Ordinal);
        foreach (var knob in knobs)
            Assert.AreEqual(staticMode && knob.Node.StartsWith("fc", StringComparison.Ordinal) ? "dynamic int8,static int8" : "int8",
                string.Join(",", knob.Ladder.Select(s => s.Label)), knob.Node);
    }

    [TestMethod]
    public void RankKnobsOfferOnlyRanksThatSaveMacsAndApproximateTheWeightsBetterAtHigherRank()
    {
        var separable = Knobs(new SeparablePass());
        // conv1 is 1 → 5 channels at 3×3: r·(9 + 5) < 5·9 for r ≤ 3; conv2 (5 → 5) the same per input channel.
        CollectionAssert.AreEqual(new[] { "rank 3", "rank 2", "rank 1" }, separable.Single(k => k.Node == "conv1").Ladder.Select(s => s.Label).ToArray());
        var lowrank = Knobs(new LowRankPass()).Single(k => k.Node == "fc1");
        var original = ModelLoader.Load(Seed).Graph.Nodes.Single(n => n.Name == "fc1").Input(1)!.ConstantValue!.ToFloats();
        double Error(KnobSetting s)
        {
            var w = ((LocalChange.ReplacedWeights)s.Change).Weights.Value;
            Assert.HasCount(original.Length, w);
            return original.Zip(w).Sum(p => (p.First - p.Second) * (double)(p.First - p.Second));
        }
        var errors = lowrank.Ladder.Select(Error).ToList();
        for (int i = 1; i < errors.Count; i++) Assert.IsGreaterThan(errors[i - 1], errors[i], lowrank.Ladder[i].Label);
        Assert.IsTrue(lowrank.Ladder.All(s => s.MacsLeft < 1));
    }
}
