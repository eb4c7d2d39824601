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
        CollectionAssert.AreEqual(new[] { "freeze", "separable" }, config.Passes.ToArray());
        // The samples beside the seed model, relative to the config and resolved against it.
        Assert.AreEqual(Path.ChangeExtension(SeedModel, ".samples"), config.Calibration?.Data);
        Assert.IsNotNull(config.Budgets);
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
