using System.Diagnostics;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Cost;

/// <summary>
/// The cost model against published figures. BatchNormalization stays unfolded and all four of
/// its tensors count as parameters; torchvision's counts include only its scale and bias (running
/// statistics are buffers), so the difference is exactly two values per BN channel.
/// </summary>
[TestClass]
public sealed class ReferenceNetworkTests
{
    private static AnalysisReport AnalyzeTimed(Model model, out TimeSpan elapsed)
    {
        ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9 }); // JIT warm-up
        var watch = Stopwatch.StartNew();
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9 });
        elapsed = watch.Elapsed;
        return report;
    }

    private static long RunningStatistics(Model model) =>
        model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").Sum(n => 2 * n.Inputs[3]!.Initializer!.ElementCount);

    [TestMethod]
    public void ResNet50MatchesThePublishedMacsAndParameters()
    {
        var model = ResNet50.Create();
        var report = AnalyzeTimed(model, out var elapsed);

        Assert.AreEqual(4.1e9, report.Totals.Macs, 0.02 * 4.1e9, $"MACs {report.Totals.Macs:N0}");
        Assert.AreEqual(25.6e6, report.Totals.Parameters, 0.02 * 25.6e6, $"parameters {report.Totals.Parameters:N0}");
        Assert.AreEqual(25_557_032L, report.Totals.Parameters - RunningStatistics(model), "torchvision's count");
        Assert.AreEqual(4 * report.Totals.Parameters, report.Totals.WeightBytes);
        Assert.IsEmpty(report.UnknownOps);
        Assert.AreEqual(0, report.Shapes.Unknown);
        Assert.AreEqual("1x1000", report.Nodes[^1].OutputShapes[0]);
        Assert.IsLessThan(1.0, elapsed.TotalSeconds, $"analyze took {elapsed.TotalMilliseconds:F0} ms");
    }

    [TestMethod]
    public void MobileNetV2MatchesThePublishedMacsAndParameters()
    {
        var model = MobileNetV2.Create();
        var report = AnalyzeTimed(model, out _);

        Assert.AreEqual(300e6, report.Totals.Macs, 0.02 * 300e6, $"MACs {report.Totals.Macs:N0}");
        Assert.AreEqual(3.5e6, report.Totals.Parameters, 0.02 * 3.5e6, $"parameters {report.Totals.Parameters:N0}");
        Assert.AreEqual(3_504_872L, report.Totals.Parameters - RunningStatistics(model), "torchvision's count");
        Assert.IsEmpty(report.UnknownOps);
        Assert.AreEqual(0, report.Shapes.Unknown);
        // ReLU6 as Clip(0, 6): its bounds are configuration, not parameters.
        Assert.IsTrue(report.Nodes.Where(n => n.OpType == "Clip").All(n => n.Parameters == 0));
    }

    [TestMethod]
    public void BatchScalesMacsLinearly()
    {
        var model = MobileNetV2.Create(batch: 1);
        var one = ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9 });
        var two = ModelAnalyzer.Analyze(MobileNetV2.Create(batch: 2), new AnalysisOptions { DeviceFlops = 1e9 });
        Assert.AreEqual(2 * one.Totals.Macs, two.Totals.Macs);
        Assert.AreEqual(one.Totals.Parameters, two.Totals.Parameters);
    }
}
