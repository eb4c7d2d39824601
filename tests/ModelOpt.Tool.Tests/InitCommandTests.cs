using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

[TestClass]
public sealed class InitCommandTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestMethod]
    public void WritesACommentedConfigThatParsesAndDescribesTheModel()
    {
        using var temp = new TempFolder();
        string path = temp.File("modelopt.json");

        var run = ToolRunner.Run("init", SeedModel, "-o", path);

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Error);
        string text = File.ReadAllText(path);
        StringAssert.Contains(text, "//   input: float32[1x1x28x28]");
        StringAssert.Contains(text, "//   fc1 (Gemm): 737,280 FLOPs, 69.1%");
        StringAssert.Contains(text, "//   conv2 (Conv): 259,200 FLOPs");
        var config = OptimizeConfig.Parse(text, path);
        // Tried on the model: freeze and separable change nothing on the seed CNN, lowrank saves 0.3 % of
        // its FLOPs; share-weights makes it 4x smaller within the fidelity floor.
        CollectionAssert.AreEqual(new[] { "share-weights" }, config.Passes.ToArray());
        StringAssert.Contains(text, "//   separable: not suggested, changes nothing on this model");
        // The samples beside the seed model, relative to the config and resolved against it.
        Assert.AreEqual(Path.ChangeExtension(SeedModel, ".samples"), config.Calibration?.Data);
        Assert.IsNotNull(config.Budgets);
    }

    [TestMethod]
    public void TheSuggestedConfigOptimizesTheModelAndKeepsTheFloor()
    {
        using var temp = new TempFolder();
        string config = temp.File("modelopt.json");
        Assert.AreEqual(ExitCodes.Success, ToolRunner.Run("init", SeedModel, "-o", config).ExitCode);

        var run = ToolRunner.Run("optimize", SeedModel, "-o", temp.File("out.onnx"), "--config", config);

        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.Out + run.Error);
        Assert.IsFalse(run.Out.Contains("MOPT5005", StringComparison.Ordinal), "init must suggest passes that gain something:\n" + run.Out);
        Assert.IsTrue(new FileInfo(temp.File("out.onnx")).Length < new FileInfo(SeedModel).Length / 2, run.Out);
    }

    [TestMethod]
    public void RefusesToOverwriteWithoutForce()
    {
        using var temp = new TempFolder();
        string path = temp.File("modelopt.json");
        File.WriteAllText(path, "{}");

        var refused = ToolRunner.Run("init", SeedModel, "-o", path);
        Assert.AreEqual(ExitCodes.UsageError, refused.ExitCode);
        StringAssert.Contains(refused.Error, "MOPT2001");
        Assert.AreEqual("{}", File.ReadAllText(path));

        Assert.AreEqual(ExitCodes.Success, ToolRunner.Run("init", SeedModel, "-o", path, "--force").ExitCode);
        Assert.AreNotEqual("{}", File.ReadAllText(path));
    }

    [TestMethod]
    public void AnInvalidModelIsReportedAndNothingIsWritten()
    {
        using var temp = new TempFolder();
        string model = temp.File("bad.onnx");
        File.WriteAllBytes(model, [1, 2, 3, 4, 5]);

        var run = ToolRunner.Run("init", model, "-o", temp.File("modelopt.json"));

        Assert.AreEqual(ExitCodes.InvalidModel, run.ExitCode);
        StringAssert.Contains(run.Error, "MOPT10");
        Assert.IsFalse(File.Exists(temp.File("modelopt.json")));
    }
}
