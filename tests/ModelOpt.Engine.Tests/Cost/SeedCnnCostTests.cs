using ModelOpt.Engine.Analysis;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Cost;

/// <summary>The seed article's worked example, which docs/flops.md reproduces.</summary>
[TestClass]
public sealed class SeedCnnCostTests
{
    private static AnalysisReport Analyze() =>
        ModelAnalyzer.Analyze(SeedCnn.Create(), new AnalysisOptions { DeviceFlops = 1e9, ModelName = "seed" });

    [TestMethod]
    public void ConvAndGemmFlopsMatchTheArticle()
    {
        var report = Analyze();
        var linear = report.Nodes.Where(n => n.OpType is "Conv" or "Gemm").ToList();
        CollectionAssert.AreEqual(new long?[] { 60_840, 259_200, 737_280, 2_560 }, linear.Select(n => n.Flops).ToArray());
        CollectionAssert.AreEqual(new long?[] { 30_420, 129_600, 368_640, 1_280 }, linear.Select(n => n.Macs).ToArray());
        // The article prints 1,060,400; its four terms add up to 1,059,880.
        Assert.AreEqual(1_059_880L, linear.Sum(n => n.Flops));
    }

    [TestMethod]
    public void ActivationsAreCountedOnTopAndTheEstimateIsAboutOneMillisecondAtOneGflops()
    {
        var report = Analyze();
        long reluFlops = report.Nodes.Where(n => n.OpType == "Relu").Sum(n => n.Flops!.Value);
        Assert.AreEqual(5 * 26 * 26 + 5 * 24 * 24 + 128L, reluFlops);
        Assert.AreEqual(1_059_880L + reluFlops, report.Totals.Flops);
        Assert.AreEqual(1.06e-3, report.Totals.EstimatedSeconds, 0.01e-3);
        Assert.AreEqual(1e9, report.Totals.DeviceFlops);
    }

    [TestMethod]
    public void ParametersShapesAndInputs()
    {
        var report = Analyze();
        // conv1 5·1·9+5, conv2 5·5·9+5, fc1 2880·128+128, fc2 128·10+10
        Assert.AreEqual(50 + 230 + 368_768 + 1_290L, report.Totals.Parameters);
        Assert.AreEqual(4 * report.Totals.Parameters, report.Totals.WeightBytes);
        Assert.AreEqual("1x5x26x26", report.Nodes[0].OutputShapes[0]);
        Assert.AreEqual(4L * 5 * 26 * 26, report.Nodes[0].ActivationBytes);
        Assert.AreEqual("input", report.Inputs.Single().Name);
        Assert.AreEqual("1x1x28x28", report.Inputs.Single().Shape);
        Assert.AreEqual("float32", report.Inputs.Single().Type);
        Assert.IsEmpty(report.UnknownOps);
        Assert.AreEqual(0, report.Shapes.Unknown);
        Assert.AreEqual(report.Nodes.Count, report.Shapes.Inferred);
    }
}
