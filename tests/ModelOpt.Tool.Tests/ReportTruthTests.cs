using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer.Reports;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// Every figure a report shows, pinned against a value computed here another way: sizes from the
/// files, parameters from the seed CNN's layer shapes and from the written model's tensors, the
/// pass a broken budget is blamed on, the sign of an accuracy change, agreement's unit, and what
/// each pass did to a layer.
/// </summary>
[TestClass]
public sealed class ReportTruthTests
{
    // The seed CNN: conv 5@3×3 on 1 channel, conv 5@3×3, FC 2880→128, FC 128→10, with biases: 370,338.
    private const long SeedParameters = (5 * 1 * 9 + 5) + (5 * 5 * 9 + 5) + (2880 * 128 + 128) + (128 * 10 + 10);

    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestMethod]
    public void ShareWeightsCountsEveryWeightItHoldsAndIsNotBlamedForASizeTheOriginalAlreadyBroke()
    {
        using var temp = new TempFolder();
        string output = temp.File("shared.onnx"), json = temp.File("shared.json");
        var run = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "share-weights", "--json", json);
        Assert.AreEqual(0, run.ExitCode, run.Out + run.Error);
        var report = RunReportJson.Deserialize(File.ReadAllText(json));

        Assert.AreEqual(SeedParameters, report.Baseline.Parameters);
        Assert.AreEqual(new FileInfo(Seed).Length, report.Baseline.Bytes);
        Assert.AreEqual(new FileInfo(output).Length, report.Candidate!.Bytes);
        // What the written model holds: one index per weight and the codebooks (int64 tensors are shapes, not parameters).
        long held = ModelLoader.Load(output).Graph.Initializers.Select(v => v.Initializer!)
            .Where(t => t.DataType != DataType.Int64).Sum(t => t.ElementCount);
        Assert.AreEqual(held, report.Candidate.Parameters);
        Assert.IsTrue(report.Candidate.Parameters >= SeedParameters, $"every weight is still there as an index: {report.Candidate.Parameters}");
        Assert.AreEqual(held, report.Passes.Single().After.Parameters);

        // A limit between nothing and the optimized size: the original broke it, share-weights only fell short.
        string broken = temp.File("broken.json");
        var over = ToolRunner.Run("optimize", Seed, "-o", temp.File("over.onnx"), "--passes", "share-weights", "--max-size", "100KB", "--json", broken);
        Assert.AreEqual(1, over.ExitCode, over.Out + over.Error);
        var maxSize = RunReportJson.Deserialize(File.ReadAllText(broken)).Budgets.Single(b => b.Key == "maxSize");
        Assert.AreEqual(
            $"the original model already breaks it ({Quantity.Format(new FileInfo(Seed).Length, QuantityKind.Bytes)}); " +
            $"the passes brought it down to {Quantity.Format(new FileInfo(output).Length, QuantityKind.Bytes)}, not far enough",
            maxSize.Culprit);
        Assert.IsFalse(over.Error.Contains("pushed it over", StringComparison.Ordinal), over.Error);
    }

    [TestMethod]
    public void APrunedLayerSaysItWasPrunedAndWhatRefitDidAfterAndAccuracyAndAgreementReadAlikeEverywhere()
    {
        using var temp = new TempFolder();
        string output = temp.File("pruned.onnx"), json = temp.File("pruned.json"), md = temp.File("pruned.md"), html = temp.File("pruned.html");
        var run = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "prune,refit", "--no-fidelity-floor", "--json", json, "--markdown", md, "--html", html);
        Assert.AreEqual(0, run.ExitCode, run.Out + run.Error);
        var report = RunReportJson.Deserialize(File.ReadAllText(json));

        // conv2 lost channels to prune, then refit fitted what was left: its row must say both, not only the last.
        long kept = ModelLoader.Load(output).Graph.Nodes.Single(n => n.Name == "conv2").Input(1)!.ConstantValue!.Dims[0];
        Assert.IsTrue(kept < 5, "prune's default ratio takes channels from conv2");
        string why = report.Layers.Single(l => l.Name == "conv2").Why!;
        StringAssert.StartsWith(why, $"prune: 5 → {kept} channels; refit: ", why);

        // One sign for accuracy changes (optimized − original, signed) and one unit for agreement (a
        // fraction), on the console, in Markdown and in HTML alike, matching the JSON's figures.
        var c = report.Comparison!;
        Assert.IsNotNull(c.AccuracyDropPoints, "the seed CNN's samples carry labels");
        string change = (-c.AccuracyDropPoints!.Value).ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture) + " points";
        string agreement = c.Agreement!.Value.ToString("0.#####", CultureInfo.InvariantCulture);
        string markdown = File.ReadAllText(md);
        StringAssert.Contains(run.Out, $"({change})", run.Out);
        StringAssert.Contains(markdown, $"({change})", markdown);
        StringAssert.Contains(run.Out, $"agreement {agreement},", run.Out);
        StringAssert.Contains(markdown, $"| Top-1 agreement |  | {agreement} |", markdown);
        string page = File.ReadAllText(html);
        StringAssert.Contains(page, $"({change})</td>", page);
        StringAssert.Contains(page, $"<tr><td>Top-1 agreement</td><td></td><td>{agreement}</td></tr>", page);
    }
}
