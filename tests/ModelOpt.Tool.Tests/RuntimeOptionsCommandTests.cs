using System.Text.Json.Nodes;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

[TestClass]
public sealed class RuntimeOptionsCommandTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-runtime-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void ValidateStatesTheSessionItTimedUnderInTheConsoleAndTheJson()
    {
        string json = Path.Combine(_dir, "report.json");
        var result = ToolRunner.Run("validate", SeedModel, SeedModel, "--samples", "32", "--runs", "2", "--intra-op-threads", "1", "--graph-optimization", "extended", "--json", json);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.IsFalse(result.Error.Contains("deprecated", StringComparison.Ordinal), result.Error);
        StringAssert.Contains(result.Out, "cpu, 1 intra-op thread, graph optimization extended");
        var runtime = JsonNode.Parse(File.ReadAllText(json))!["runtime"]!;
        Assert.AreEqual(1, runtime["intraOpThreads"]!.GetValue<int>());
        Assert.AreEqual("extended", runtime["graphOptimization"]!.GetValue<string>());
        Assert.AreEqual("cpu", runtime["executionProvider"]!.GetValue<string>());
    }

    [TestMethod]
    public void AnUnavailableExecutionProviderExitsTwoNamingIt()
    {
        var result = ToolRunner.Run("check", SeedModel, "--max-latency-ms", "1000", "--execution-provider", "cuda");

        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "MOPT2007");
        StringAssert.Contains(result.Error, "CUDAExecutionProvider");
    }

    [TestMethod]
    public void BadRuntimeOptionsAreUsageErrors()
    {
        // --threads, the former name of --intra-op-threads, still works and says so.
        var former = ToolRunner.Run("check", SeedModel, "--threads", "-2");
        Assert.AreEqual(2, former.ExitCode);
        StringAssert.Contains(former.Error, "warning: --threads is deprecated; use --intra-op-threads");
        StringAssert.Contains(former.Error, "--intra-op-threads");
        Assert.AreEqual(2, ToolRunner.Run("check", SeedModel, "--graph-optimization", "turbo").ExitCode);
        var result = ToolRunner.Run("validate", SeedModel, SeedModel, "--memory-cap", "many");
        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "--memory-cap");
    }

    [TestMethod]
    public void AMemoryCapBelowOneSampleStopsCalibrationWithAClearError()
    {
        string output = Path.Combine(_dir, "out.onnx");
        var result = ToolRunner.Run("optimize", SeedModel, "-o", output, "--passes", "quantize", "--calibration-samples", "8", "--memory-cap", "4KB");

        Assert.AreEqual(2, result.ExitCode, result.Out);
        StringAssert.Contains(result.Error, "MOPT2008");
        StringAssert.Contains(result.Error, "per sample");
        Assert.IsFalse(File.Exists(output));
    }
}
