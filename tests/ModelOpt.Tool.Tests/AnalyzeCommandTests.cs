using System.Text.Json;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

[TestClass]
public sealed class AnalyzeCommandTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-analyze-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void SeedCnnTableAndJsonCarryTheExactPerLayerFigures()
    {
        string json = Path.Combine(_dir, "report.json");

        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "1", "--json", json);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        foreach (var name in new[] { "conv1", "conv2", "fc1", "fc2" }) StringAssert.Contains(result.Out, name);
        StringAssert.Contains(result.Out, "1,066,268");
        StringAssert.Contains(result.Out, "at 1 GFLOPS");

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.AreEqual(SeedModel, root.GetProperty("model").GetString());
        var input = root.GetProperty("inputs")[0];
        Assert.AreEqual("input", input.GetProperty("name").GetString());
        Assert.AreEqual("1x1x28x28", input.GetProperty("shape").GetString());
        Assert.AreEqual("float32", input.GetProperty("type").GetString());

        var flopsByNode = root.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n);
        Assert.AreEqual(60_840, flopsByNode["conv1"].GetProperty("flops").GetInt64());
        Assert.AreEqual(259_200, flopsByNode["conv2"].GetProperty("flops").GetInt64());
        Assert.AreEqual(737_280, flopsByNode["fc1"].GetProperty("flops").GetInt64());
        Assert.AreEqual(2_560, flopsByNode["fc2"].GetProperty("flops").GetInt64());
        Assert.AreEqual(30_420, flopsByNode["conv1"].GetProperty("macs").GetInt64());
        Assert.AreEqual("Conv", flopsByNode["conv1"].GetProperty("opType").GetString());
        Assert.AreEqual("1x5x26x26", flopsByNode["conv1"].GetProperty("outputShapes")[0].GetString());
        Assert.AreEqual(2880 * 128 + 128, flopsByNode["fc1"].GetProperty("parameters").GetInt64());

        var totals = root.GetProperty("totals");
        Assert.AreEqual(370_338, totals.GetProperty("parameters").GetInt64());
        Assert.AreEqual(1e9, totals.GetProperty("deviceFlops").GetDouble());
        Assert.AreEqual(1.06e-3, totals.GetProperty("estimatedSeconds").GetDouble(), 0.01e-3);
        Assert.IsTrue(totals.TryGetProperty("weightBytes", out _) && totals.TryGetProperty("activationBytes", out _) && totals.TryGetProperty("macs", out _));
        Assert.IsFalse(totals.TryGetProperty("measuredMedianSeconds", out _), "not measured unless --measure");
        Assert.AreEqual(0, root.GetProperty("unknownOps").GetArrayLength());
    }

    [TestMethod]
    public void MeasureAddsOnnxRuntimeLatency()
    {
        string json = Path.Combine(_dir, "m.json");
        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "10", "--measure", "--runs", "5", "--json", json);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Out, "Measured (ONNX Runtime)");
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var totals = doc.RootElement.GetProperty("totals");
        double median = totals.GetProperty("measuredMedianSeconds").GetDouble();
        Assert.IsTrue(median > 0 && median <= totals.GetProperty("measuredP90Seconds").GetDouble());
    }

    [TestMethod]
    public void TopListsTheHeaviestNodes()
    {
        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "1", "--top", "1");
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Out, "fc1");
        Assert.IsFalse(result.Out.Contains("conv2"), result.Out);
    }

    [TestMethod]
    [DataRow("input=1x1x28", "MOPT2002")]
    [DataRow("input=axbxc", "MOPT2002")]
    [DataRow("pixels=1x1x28x28", "MOPT2003")]
    [DataRow("input=1x3x28x28", "MOPT2002")]
    public void BadShapeBindingsAreUsageErrors(string binding, string code)
    {
        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "1", "--shape", binding);
        Assert.AreEqual(2, result.ExitCode, result.Out + result.Error);
        StringAssert.Contains(result.Error, code);
    }

    [TestMethod]
    public void BoundBatchScalesTheFigures()
    {
        string json = Path.Combine(_dir, "b.json");
        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "1", "--shape", "input=8x1x28x28", "--json", json);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.AreEqual(8 * 1_066_268, doc.RootElement.GetProperty("totals").GetProperty("flops").GetInt64());
    }

    [TestMethod]
    public void TruncatedModelExitsWithThreeAndNamesTheFile()
    {
        string path = Path.Combine(_dir, "half.onnx");
        var bytes = File.ReadAllBytes(SeedModel);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var result = ToolRunner.Run("analyze", path, "--device-gflops", "1");
        Assert.AreEqual(3, result.ExitCode);
        StringAssert.Contains(result.Error, "half.onnx");
        StringAssert.Contains(result.Error, "MOPT1003");
    }

    [TestMethod]
    public void RealModelsResolveEveryShapeWhenBound()
    {
        foreach (var (file, shape) in new[] { (RealModels.Detector, "x=1x3x640x640"), (RealModels.Recognizer, "x=1x3x48x320"), (RealModels.Classifier, "x=1x3x48x192") })
        {
            string path = Prerequisites.RealModel(file);
            string json = Path.Combine(_dir, file + ".json");
            var result = ToolRunner.Run("analyze", path, "--device-gflops", "10", "--shape", shape, "--json", json);
            Assert.AreEqual(0, result.ExitCode, result.Error);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            Assert.IsTrue(nodes.All(n => n.GetProperty("outputShapes").EnumerateArray().All(s => !s.GetString()!.Contains('?') && !s.GetString()!.Contains("Dynamic"))), $"{file}: every shape resolved");
            Assert.IsTrue(doc.RootElement.GetProperty("totals").GetProperty("parameters").GetInt64() > 100_000, $"{file}: Constant-node weights count as parameters");
            Assert.AreEqual(0, doc.RootElement.GetProperty("unknownOps").GetArrayLength(), $"{file}: {doc.RootElement.GetProperty("unknownOps")}");
        }
    }

    [TestMethod]
    public void AdviseListsEachTechniqueOnTheHeaviestLayerWithItsSavingAndWithDataItsFidelityCost()
    {
        var result = ToolRunner.Run("analyze", SeedModel, "--device-gflops", "1", "--top", "1", "--advise", "--data", Path.Combine(RepoPaths.Models, "seed-cnn.samples"), "--samples", "8");
        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        // fc1 holds 368,640 of the 530 K MACs; rank 96 of 128 leaves 96·(2880 + 128) = 288,768.
        StringAssert.Contains(result.Out, "lowrank rank 96");
        StringAssert.Contains(result.Out, "79.872 K");
        // fc1 is a Gemm: static int8 offers it dynamic and static, each with its own fidelity cost.
        StringAssert.Contains(result.Out, "quantize dynamic int8");
        StringAssert.Contains(result.Out, "quantize static int8");
        StringAssert.Contains(result.Out, "1/SQNR on 8 samples");
        Assert.IsFalse(result.Out.Contains("conv1 ", StringComparison.Ordinal) && result.Out.Contains("separable rank", StringComparison.Ordinal), "--top 1: only the heaviest layer");

        var bad = ToolRunner.Run("analyze", SeedModel, "--data", Path.Combine(RepoPaths.Models, "seed-cnn.samples"));
        Assert.AreEqual(2, bad.ExitCode, bad.Out + bad.Error);
    }
}
