using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Validation.Tests;

/// <summary>50% channel pruning of generated ResNet-50 and MobileNetV2, checked in ONNX Runtime.</summary>
[TestClass]
public sealed class PruneNetworkTests
{
    private static long Macs(Model model) => ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9 }).Totals.Macs;

    private static void HalfPruningRunsAndCutsMacs(Model model, double minimumCut)
    {
        long before = Macs(model);
        var inputs = SyntheticInputs.For(model, seed: 1);

        var report = PrunePassTests.Prune(model, """{ "prune": { "ratio": 0.5, "roundTo": 8 } }""");

        long after = Macs(model);
        string notes = string.Join("\n", report.Notes);
        Assert.IsTrue(after <= before * (1 - minimumCut), $"MACs {before:N0} → {after:N0}\n{notes}");
        var outputs = OutputComparison.Run(model, inputs);
        CollectionAssert.AreEqual(new long[] { 1, 1000 }, outputs[0].Shape, "the graph output keeps its shape");
        Assert.IsTrue(outputs[0].ToFloats().All(float.IsFinite));
        Assert.IsFalse(notes.Contains("skipped"), notes);
    }

    [TestMethod]
    public void ResNet50() => HalfPruningRunsAndCutsMacs(TestSupport.Networks.ResNet50.Create(), 0.4);

    [TestMethod]
    public void MobileNetV2() => HalfPruningRunsAndCutsMacs(TestSupport.Networks.MobileNetV2.Create(), 0.4);
}
