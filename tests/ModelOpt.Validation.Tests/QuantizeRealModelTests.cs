using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Validation.Tests;

/// <summary>Static int8 on the PP-OCR models: every output loads and runs in ORT, and the detector keeps its probability map.</summary>
[TestClass]
public sealed class QuantizeRealModelTests
{
    private static Model Frozen(string path)
    {
        var model = ModelLoader.Load(path);
        new PassPipeline([new FreezePass()]).Run(model, new PassContext(path));
        return model;
    }

    private static IReadOnlyList<string> Quantize(Model model, SampleSet calibration, string config = """{ "quantize": {} }""") =>
        new PassPipeline([new QuantizePass()]).Run(model, new PassContext("test.onnx")
        {
            Config = OptimizeConfig.Parse(config),
            Calibration = new OrtActivationSource(calibration, batchSize: 1),
        }).Single().Notes;

    [TestMethod]
    [DataRow(RealModels.Detector)]
    [DataRow(RealModels.Classifier)]
    public void QuantizedPpOcrModelLoadsAndRunsInOrt(string fileName)
    {
        string path = RealModelFiles.Require(fileName);
        var shapes = RealModelFiles.InputShapes(fileName);
        var model = Frozen(path);
        using var calibration = SampleSet.SyntheticDocuments(model, 2, seed: 1, shapes);
        var notes = Quantize(model, calibration);

        Assert.IsTrue(model.Graph.Nodes.Any(n => n.OpType == "QuantizeLinear"), string.Join("\n", notes));
        using var runner = OrtModelRunner.FromModel(model);
        var output = runner.Run(SyntheticDocuments.For(model, shapes, seed: 2))[0].ToFloats();
        Assert.IsTrue(output.Length > 0 && output.All(float.IsFinite));
    }

    [TestMethod]
    public void QuantizedDetectorKeepsItsProbabilityMapOnPagesItWasNotCalibratedOn()
    {
        string path = RealModelFiles.Require(RealModels.Detector);
        var shapes = new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 160, 160) };
        var original = Frozen(path);
        var model = Frozen(path);
        using var calibration = SampleSet.SyntheticDocuments(model, 4, seed: 1, shapes);
        Quantize(model, calibration);

        var inputs = SyntheticDocuments.For(original, shapes, seed: 99);
        float[] expected = OutputComparison.Run(original, inputs)[0].ToFloats();
        Assert.IsTrue(expected.Count(p => p > 0.3f) > expected.Length / 50, "the fp32 detector finds text on the synthetic page, so the comparison means something");
        double cosine = QuantizePassTests.Cosine(expected, OutputComparison.Run(model, inputs)[0].ToFloats());
        Assert.IsTrue(cosine >= 0.99, $"cosine {cosine:0.0000}");
    }

    [TestMethod]
    public void DetectorWithItsStemKeptFloatStaysAboveTheFidelityTargetOnEveryHeldOutPage()
    {
        // The recipe that meets issue 4's det targets at 640 (docs/benchmarks.md); here at 160 px
        // so it runs in seconds: every one of 4 pages not used for calibration keeps cosine ≥ 0.99.
        string path = RealModelFiles.Require(RealModels.Detector);
        var shapes = new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 160, 160) };
        var original = Frozen(path);
        var model = Frozen(path);
        using var calibration = SampleSet.SyntheticDocuments(model, 4, seed: 1, shapes);
        var notes = Quantize(model, calibration, """{ "quantize": { "integerHardSwish": true, "keepFloat": ["stem"] } }""");

        Assert.AreEqual(7, notes.Count(n => n.EndsWith("kept float (stem)", StringComparison.Ordinal)), string.Join("\n", notes));
        for (int page = 1000; page < 1004; page++)
        {
            var inputs = SyntheticDocuments.For(original, shapes, seed: page);
            double cosine = QuantizePassTests.Cosine(OutputComparison.Run(original, inputs)[0].ToFloats(), OutputComparison.Run(model, inputs)[0].ToFloats());
            Assert.IsTrue(cosine >= 0.99, $"page {page}: cosine {cosine:0.0000}");
        }
    }

    [TestMethod]
    public void RecognizerAtOpset9IsRaisedTo13WithItsSoftmaxOfUnknownRankSpelledOutAndStillRuns()
    {
        // Its attention Softmax sits behind a Reshape to a computed shape, so its rank is unknown
        // without bound shapes: the converter keeps the opset-9 meaning (flatten from axis on)
        // exactly with Flatten, Softmax on the last axis and a Reshape back, and per-channel Q/DQ follows.
        string path = RealModelFiles.Require(RealModels.Recognizer);
        var shapes = RealModelFiles.InputShapes(RealModels.Recognizer);
        var model = Frozen(path);
        using var calibration = SampleSet.SyntheticDocuments(model, 1, seed: 1, shapes);
        var notes = Quantize(model, calibration);

        Assert.IsTrue(notes.Any(n => n.Contains("opset 9 raised to 13", StringComparison.Ordinal) && n.Contains("Softmax", StringComparison.Ordinal)), string.Join("\n", notes));
        Assert.IsFalse(notes.Any(n => n.Contains("per tensor, not per channel", StringComparison.Ordinal)), string.Join("\n", notes));
        using var runner = OrtModelRunner.FromModel(model);
        Assert.IsTrue(runner.Run(SyntheticDocuments.For(model, shapes, seed: 2))[0].ToFloats().All(float.IsFinite));
    }
}
