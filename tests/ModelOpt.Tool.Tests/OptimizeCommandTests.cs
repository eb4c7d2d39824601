using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Tool.Tests;

[TestClass]
public sealed class OptimizeCommandTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-tool-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private string WriteSmallModel()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 4]);
        var w = g.AddInitializer(Tensor.FromFloats("w", [4, 3], Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray()));
        var mm = g.CreateNode("MatMul", [x, w], name: "mm");
        var y = mm.Output(0);
        y.ElementType = TensorProto.Types.DataType.Float;
        g.AddOutput(y);
        model.Template.DocString = "kept through the round trip";
        string path = Path.Combine(_dir, "small.onnx");
        ModelWriter.Save(model, path);
        return path;
    }

    [TestMethod]
    public void PassesNoneRewritesTheModelLosslessly()
    {
        string source = WriteSmallModel();
        byte[] before = File.ReadAllBytes(source);
        string output = Path.Combine(_dir, "out", "small.onnx");

        var result = ToolRunner.Run("optimize", source, "-o", output, "--passes", "none");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(source), "the source model must not change");
        var original = ModelProto.Parser.ParseFrom(before);
        var rewritten = ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        Assert.AreEqual(original, rewritten);
    }

    [TestMethod]
    public void OutputOverTheSourceIsRefused()
    {
        string source = WriteSmallModel();
        byte[] before = File.ReadAllBytes(source);

        var result = ToolRunner.Run("optimize", source, "-o", source);

        Assert.AreEqual(3, result.ExitCode);
        StringAssert.Contains(result.Error, "MOPT1011");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(source));
    }

    [TestMethod]
    public void UnknownPassIsAUsageError()
    {
        string source = WriteSmallModel();
        var result = ToolRunner.Run("optimize", source, "-o", Path.Combine(_dir, "o.onnx"), "--passes", "shrink-ray");
        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "shrink-ray");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "o.onnx")));
    }

    [TestMethod]
    public void GarbageFileExitsWithCodeThreeAndNamesTheFile()
    {
        string path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
        var result = ToolRunner.Run("optimize", path, "-o", Path.Combine(_dir, "o.onnx"));
        Assert.AreEqual(3, result.ExitCode);
        StringAssert.Contains(result.Error, "garbage.onnx");
        StringAssert.Contains(result.Error, "MOPT100");
    }

    [TestMethod]
    public void MissingRequiredOptionIsAUsageError()
    {
        var result = ToolRunner.Run("optimize", "whatever.onnx");
        Assert.AreEqual(2, result.ExitCode);
    }

    [TestMethod]
    public void SeparableReportShowsRankMacsAndTheOutputError()
    {
        string seed = Path.Combine(TestSupport.RepoPaths.Models, "seed-cnn.onnx");
        string config = Path.Combine(_dir, "modelopt.json");
        File.WriteAllText(config, """{ "passes": ["separable"], "separable": { "rank": 1 } }""");

        // Rank 1 wrecks some digits (the worst sample's cosine is negative): judge the median sample instead.
        var result = ToolRunner.Run("optimize", seed, "-o", Path.Combine(_dir, "sep.onnx"), "--config", config, "--min-cosine", "0", "--cosine-percentile", "0.5");

        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        StringAssert.Contains(result.Out, "conv1: rank 1 of 5");
        StringAssert.Contains(result.Out, "MACs per output pixel 45 → 14");
        StringAssert.Contains(result.Out, "conv2: rank 1 of 5");
        StringAssert.Contains(result.Out, "cosine similarity of the outputs");
        StringAssert.Contains(result.Out, "at the 50th percentile of samples");
    }

    [TestMethod]
    public void SeparableOnPpOcrDetReportsEveryConvAndTheOutputError()
    {
        string det = TestSupport.Prerequisites.RealModel(TestSupport.RealModels.Detector);

        var result = ToolRunner.Run("optimize", det, "-o", Path.Combine(_dir, "det.onnx"), "--passes", "freeze,separable", "--shape", "x=1x3x64x64", "--min-cosine", "0");

        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        StringAssert.Contains(result.Out, "p2o.Conv.0: rank 5 of 9");
        StringAssert.Contains(result.Out, "would not save MACs");
        StringAssert.Contains(result.Out, "conv(s) skipped: already grouped or depthwise");
        StringAssert.Contains(result.Out, "cosine similarity of the outputs");
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "det.onnx")));
    }

    [TestMethod]
    public void ReportsAreWrittenWithoutBudgetsToo()
    {
        string seed = Path.Combine(TestSupport.RepoPaths.Models, "seed-cnn.onnx");
        string json = Path.Combine(_dir, "r.json"), md = Path.Combine(_dir, "r.md");

        // Without the default fidelity floor (itself a budget in the report) no budget is set at all.
        var result = ToolRunner.Run("optimize", seed, "-o", Path.Combine(_dir, "f.onnx"), "--passes", "freeze", "--report", json, "--markdown", md, "--no-fidelity-floor");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        string markdown = File.ReadAllText(md);
        StringAssert.Contains(markdown, "no budgets set");
        StringAssert.Contains(markdown, "Top-1 accuracy");
        StringAssert.Contains(markdown, "| `fc1` | Gemm |");
        StringAssert.Contains(markdown, "/f.onnx` (written)", "the Markdown names the output model");
        StringAssert.Contains(File.ReadAllText(json), "\"passes\"");
    }
}
