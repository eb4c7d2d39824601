using ModelOpt.TestSupport;

namespace ModelOpt.IntegrationTests;

/// <summary>The dotnet-model-opt package, installed into a temp tool path and run like a user runs it.</summary>
[TestClass]
public sealed class ToolPackageTests
{
    [TestMethod]
    public void AnalyzeRunsOnTheSeedCnn()
    {
        var run = InstalledTool.Current.Run(RepoPaths.Root, "analyze", Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), "--device-gflops", "1");
        Assert.IsTrue(run.Succeeded, run.Describe());
        StringAssert.Contains(run.Output, "Conv");
        StringAssert.Contains(run.Output, "1,066,268", "the seed CNN's total FLOPs as the cost model counts them");
    }

    [TestMethod]
    public void VersionIsThePackageVersion()
    {
        var run = InstalledTool.Current.Run(RepoPaths.Root, "--version");
        Assert.IsTrue(run.Succeeded, run.Describe());
        StringAssert.StartsWith(run.Output.Trim(), InstalledTool.Current.Version);
    }

    [TestMethod]
    public void EveryCommandsHelpShowsExamples()
    {
        foreach (string command in new[] { "analyze", "optimize", "init" })
        {
            var run = InstalledTool.Current.Run(RepoPaths.Root, command, "--help");
            Assert.IsTrue(run.Succeeded, run.Describe());
            StringAssert.Contains(run.Output, "Examples:", $"'{command} --help' has no examples");
            StringAssert.Contains(run.Output, $"dotnet model-opt {command} ");
        }
    }
}
