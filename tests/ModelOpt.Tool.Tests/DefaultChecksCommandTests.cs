using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// What `optimize` checks without being asked: the result against the original (the default fidelity
/// floor when no output budget is set), int8 that does not pay (skipped, not fatal), and rewrites
/// that gain nothing. On the shipped seed CNN with its 2,000 labelled digits.
/// </summary>
[TestClass]
public sealed class DefaultChecksCommandTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private const string RankOne = """{ "passes": ["lowrank"], "lowrank": { "rank": 1 } }""";

    [TestMethod]
    public void ARewriteThatWrecksAccuracyBreaksTheFloorAndWritesNothing()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("modelopt.json"), RankOne);
        string output = temp.File("out.onnx");

        var run = ToolRunner.Run("optimize", Seed, "-o", output, "--config", temp.File("modelopt.json"));

        Assert.AreEqual(ExitCodes.BudgetBroken, run.ExitCode, run.Out + run.Error);
        Assert.IsFalse(File.Exists(output));
        StringAssert.Contains(run.Error, "MOPT4001");
        StringAssert.Contains(run.Error, "maxAccuracyDrop");
        StringAssert.Contains(run.Error, "the default fidelity floor");
        StringAssert.Contains(run.Out, "compared with the original on 2,000 samples: accuracy 97.95 % →");
    }

    [TestMethod]
    public void TheFloorIsSwitchedOffByFlagOrConfigAndReplacedByAnOwnBudget()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("rank1.json"), RankOne);
        File.WriteAllText(temp.File("off.json"), """{ "passes": ["lowrank"], "lowrank": { "rank": 1 }, "budgets": { "fidelityFloor": false } }""");

        var flag = ToolRunner.Run("optimize", Seed, "-o", temp.File("a.onnx"), "--config", temp.File("rank1.json"), "--no-fidelity-floor");
        var config = ToolRunner.Run("optimize", Seed, "-o", temp.File("b.onnx"), "--config", temp.File("off.json"));
        var own = ToolRunner.Run("optimize", Seed, "-o", temp.File("c.onnx"), "--config", temp.File("rank1.json"), "--max-accuracy-drop", "90");

        Assert.AreEqual(ExitCodes.Success, flag.ExitCode, flag.Error);
        Assert.AreEqual(ExitCodes.Success, config.ExitCode, config.Error);
        Assert.AreEqual(ExitCodes.Success, own.ExitCode, own.Error);
        // Still compared and said, floor or not.
        StringAssert.Contains(flag.Out, "compared with the original on 2,000 samples");
        Assert.IsFalse(flag.Out.Contains("fidelity floor", StringComparison.Ordinal), flag.Out);
        StringAssert.Contains(own.Out, "budget maxAccuracyDrop (--max-accuracy-drop) kept");
        Assert.IsFalse(own.Out.Contains("fidelity floor", StringComparison.Ordinal), own.Out);
        Assert.IsTrue(File.Exists(temp.File("a.onnx")) && File.Exists(temp.File("b.onnx")) && File.Exists(temp.File("c.onnx")));
    }

    [TestMethod]
    public void WithoutLabelsTheFloorIsACosineOnTheSamples()
    {
        // The seed model alone in a folder: no samples beside it, so validation is on synthetic inputs.
        using var temp = new TempFolder();
        string model = temp.File("seed.onnx");
        File.Copy(Seed, model);
        File.WriteAllText(temp.File("modelopt.json"), RankOne);

        var run = ToolRunner.Run("optimize", model, "-o", temp.File("out.onnx"), "--config", temp.File("modelopt.json"));

        Assert.AreEqual(ExitCodes.BudgetBroken, run.ExitCode, run.Out + run.Error);
        StringAssert.Contains(run.Error, "minCosine");
        StringAssert.Contains(run.Out, "synthetic samples");
    }

    [TestMethod]
    public void AFloorKeptIsReportedAsKept()
    {
        using var temp = new TempFolder();
        var run = ToolRunner.Run("optimize", Seed, "-o", temp.File("out.onnx"), "--passes", "share-weights");

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Error);
        StringAssert.Contains(run.Out, "ok     budget maxAccuracyDrop (--max-accuracy-drop) kept");
        StringAssert.Contains(run.Out, "the default fidelity floor");
    }

    [TestMethod]
    public void PassesThatChangeNothingAreCalledOut()
    {
        using var temp = new TempFolder();
        var run = ToolRunner.Run("optimize", Seed, "-o", temp.File("out.onnx"), "--passes", "freeze,separable");

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Error);
        StringAssert.Contains(run.Out, "warning MOPT5005: the passes freeze, separable gained nothing");
    }

    // int8 of the seed CNN runs at about half the float speed under ONNX Runtime (its layers are tiny:
    // Q/DQ costs more than the int8 kernels save), on CPUs with and without VNNI.
    [TestMethod]
    public void SlowerInt8IsSkippedWithAWarningAndTheOtherPassesStillRun()
    {
        using var temp = new TempFolder();
        string output = temp.File("out.onnx");

        var run = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "share-weights,quantize");

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Out + run.Error);
        var written = ModelLoader.Load(output);
        Assert.IsTrue(written.Graph.AllNodes().Any(n => n.OpType == "Gather"), "the other pass (share-weights) still ran");
        // The seed CNN runs in 0.05 ms: int8 is slower on most runs, but the paired timing decides, and
        // the outcome must follow what it measured either way.
        bool skipped = run.Out.Contains("warning MOPT5004: quantize skipped: int8 ", StringComparison.Ordinal);
        Assert.AreEqual(!skipped, written.Graph.AllNodes().Any(n => n.OpType == "QuantizeLinear"), run.Out);
        if (skipped) StringAssert.Contains(run.Out, "passes: share-weights; skipped: quantize;", "the summary never lists a skipped pass as applied");
        else StringAssert.Contains(run.Out, "passes: share-weights, quantize");
    }

    [TestMethod]
    public void SlowerInt8IsAnErrorWhenRequiredOrUnderASpeedBudget()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("required.json"), """{ "passes": ["quantize"], "quantize": { "required": true } }""");

        var required = ToolRunner.Run("optimize", Seed, "-o", temp.File("a.onnx"), "--config", temp.File("required.json"));
        var budget = ToolRunner.Run("optimize", Seed, "-o", temp.File("b.onnx"), "--passes", "quantize", "--min-speedup", "1");

        Assert.AreEqual(ExitCodes.BudgetBroken, required.ExitCode, required.Out + required.Error);
        StringAssert.Contains(required.Error, "\"quantize\": { \"required\": true } is set");
        Assert.AreEqual(ExitCodes.BudgetBroken, budget.ExitCode, budget.Out + budget.Error);
        StringAssert.Contains(budget.Error, "a speed budget is set (minSpeedup)");
        Assert.IsFalse(File.Exists(temp.File("a.onnx")) || File.Exists(temp.File("b.onnx")));
    }

    [TestMethod]
    public void AllowSlowerKeepsTheSlowerInt8Model()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("keep.json"), """{ "passes": ["quantize"], "quantize": { "allowSlower": true } }""");

        var run = ToolRunner.Run("optimize", Seed, "-o", temp.File("out.onnx"), "--config", temp.File("keep.json"));

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Out + run.Error);
        StringAssert.Contains(run.Out, "warning MOPT5003");
        Assert.IsTrue(ModelLoader.Load(temp.File("out.onnx")).Graph.AllNodes().Any(n => n.OpType == "QuantizeLinear"));
    }
}
