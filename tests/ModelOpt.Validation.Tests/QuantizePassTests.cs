using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class QuantizePassTests
{
    internal static double Cosine(float[] a, float[] b) => CosineSimilarity.Of(a, b);

    private static Model ConvChain(PassTestModels t, int channels = 8, float[]? channelScales = null)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 16, 16]);
        var w1 = t.Values(channels * 3 * 9);
        if (channelScales is not null)
            for (int i = 0; i < w1.Length; i++) w1[i] *= channelScales[i / 27];
        var c1 = g.CreateNode("Conv", [x, g.AddInitializer(Tensor.FromFloats("w1", [channels, 3, 3, 3], w1)), g.AddInitializer(Tensor.FromFloats("b1", [channels], t.Values(channels)))], name: "conv1");
        c1.SetInts("pads", [1, 1, 1, 1]);
        var relu = g.CreateNode("Relu", [c1.Output(0)], name: "relu1");
        var c2 = g.CreateNode("Conv", [relu.Output(0), t.Weight(g, "w2", 4, channels, 3, 3)], name: "conv2");
        PassTestModels.DeclareOutput(g, c2.Output(0));
        return model;
    }

    [TestMethod]
    public void SeedCnnStaticInt8LosesAtMostHalfAPointOfHeldOutAccuracy()
    {
        // Calibrated on the first 200 held-out digits, evaluated on all 2,000 (the 200 overlap: calibration only sets ranges).
        string path = Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), samples = Path.Combine(RepoPaths.Models, "seed-cnn.samples");
        var original = ModelLoader.Load(path);
        var model = ModelLoader.Load(path);
        using var calibration = SampleSet.FromFolder(samples, model, limit: 200);
        var report = QuantizeRun.Quantize(model, """{ "quantize": { "mode": "static" } }""", calibration);

        Assert.IsTrue(report.Changed, string.Join("\n", report.Notes));
        float[] pixels = NpyFile.Read(Path.Combine(samples, "input.npy")).ToFloats();
        long[] labels = NpyFile.Read(Path.Combine(samples, "labels.npy")).ToInt64s();
        double before = Accuracy(original, pixels, labels), after = Accuracy(model, pixels, labels);
        Assert.IsTrue(before - after <= 0.005, $"accuracy {before:P2} → {after:P2}");
        Assert.IsTrue(ModelWriter.ToProto(model).CalculateSize() <= 0.3 * ModelWriter.ToProto(original).CalculateSize(), "int8 file ≤ 30% of fp32");
    }

    private static double Accuracy(Model model, float[] pixels, long[] labels)
    {
        using var runner = OrtModelRunner.FromModel(model);
        var logits = runner.Run([TensorData.FromFloats(model.Graph.Inputs[0].Name, [labels.Length, 1, 28, 28], pixels)])[0].ToFloats();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }

    [TestMethod]
    public void EveryConvReadsDequantizedInputsAndWeightsAndItsOutputIsQuantized()
    {
        var model = ConvChain(new PassTestModels(21));
        using var calibration = SampleSet.Synthetic(model, 16, seed: 3);
        QuantizeRun.Quantize(model, """{ "quantize": {} }""", calibration);

        var convs = model.Graph.Nodes.Where(n => n.OpType == "Conv").ToList();
        Assert.AreEqual(2, convs.Count);
        foreach (var conv in convs)
        {
            Assert.IsTrue(conv.Inputs.Where(i => i is not null).All(i => i!.Producer?.OpType == "DequantizeLinear"), $"{conv}: inputs, weights and bias come from DequantizeLinear");
            Assert.IsTrue(conv.Output(0).Uses.Count > 0 && conv.Output(0).Uses.All(u => u.Node.OpType == "QuantizeLinear"), $"{conv}: output is quantized");
        }
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType == "Relu"), "the ReLU is folded into the uint8 range starting at 0");
        Assert.AreEqual(TensorProto.Types.DataType.Int32, convs[0].Input(2)!.Producer!.Input(0)!.Initializer!.DataType, "bias is int32");
        using var runner = OrtModelRunner.FromModel(model);
        runner.Run(SyntheticInputs.For(model, seed: 4));
    }

    [TestMethod]
    public void PerChannelWeightsKeepSmallChannelsThatPerTensorScalesCrush()
    {
        // Channel weight magnitudes span 1000×: one shared scale rounds the small channels to zero.
        var scales = new float[] { 1f, 0.001f, 0.5f, 0.002f, 1f, 0.001f, 0.3f, 0.001f };
        var inputs = SyntheticInputs.For(ConvChain(new PassTestModels(22), channelScales: scales), seed: 5);
        double ErrorWith(bool perChannel)
        {
            var model = ConvChain(new PassTestModels(22), channelScales: scales);
            var expected = OutputComparison.Run(model, inputs);
            using var calibration = SampleSet.Synthetic(model, 16, seed: 6);
            QuantizeRun.Quantize(model, $$"""{ "quantize": { "perChannel": {{(perChannel ? "true" : "false")}} } }""", calibration);
            var weightDq = model.Graph.Nodes.First(n => n.OpType == "Conv").Input(1)!.Producer!;
            Assert.AreEqual(perChannel ? 8L : 1L, weightDq.Input(1)!.Initializer!.ElementCount, "one scale per output channel");
            Assert.AreEqual(perChannel ? 0L : -1L, weightDq.GetInt("axis", -1));
            return OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs));
        }
        double perChannel = ErrorWith(true), perTensor = ErrorWith(false);
        Assert.IsTrue(perChannel < perTensor, $"per-channel {perChannel} vs per-tensor {perTensor}");
    }

    [TestMethod]
    public void DynamicInt8MlpKeepsCosineAbove099()
    {
        var t = new PassTestModels(23);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [4, 64]);
        var h = g.CreateNode("MatMul", [x, t.Weight(g, "w1", 64, 128)], name: "fc1");
        var r = g.CreateNode("Relu", [h.Output(0)]);
        var gemm = g.CreateNode("Gemm", [r.Output(0), t.Weight(g, "w2", 32, 128), t.Weight(g, "b2", 32)], name: "fc2");
        gemm.SetInt("transB", 1);
        PassTestModels.DeclareOutput(g, gemm.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 7);
        var expected = OutputComparison.Run(model, inputs);

        var report = QuantizeRun.Quantize(model, """{ "quantize": { "mode": "dynamic" } }""");

        Assert.AreEqual(2, model.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeMatMul"), string.Join("\n", report.Notes));
        var actual = OutputComparison.Run(model, inputs);
        Assert.IsTrue(Cosine(expected[0].ToFloats(), actual[0].ToFloats()) >= 0.99);
    }

    [TestMethod]
    public void LayersReadingOneInputShareItsQuantizationAndAnswerAsEachQuantizingItsOwn()
    {
        // Three projections of one input (a transformer's q, k, v), and the same three reading copies of it.
        Model Projections(bool copies)
        {
            var t = new PassTestModels(29);
            var model = Model.Create(opset: 17);
            var g = model.Graph;
            var x = g.AddInput("x", TensorProto.Types.DataType.Float, [8, 64]);
            var outputs = new[] { "q", "k", "v" }.Select(name =>
            {
                var read = copies ? g.CreateNode("Identity", [x], name: $"{name}_copy").Output(0) : x;
                return g.CreateNode("MatMul", [read, t.Weight(g, $"{name}.w", 64, 32)], name: name).Output(0);
            }).ToList();
            var sum = g.CreateNode("Sum", outputs, name: "sum");
            PassTestModels.DeclareOutput(g, sum.Output(0));
            return model;
        }
        var shared = Projections(copies: false);
        var separate = Projections(copies: true);
        var inputs = SyntheticInputs.For(shared, seed: 3);
        var expected = OutputComparison.Run(shared, inputs);

        var report = QuantizeRun.Quantize(shared, """{ "quantize": { "mode": "dynamic" } }""");
        QuantizeRun.Quantize(separate, """{ "quantize": { "mode": "dynamic" } }""");

        string notes = string.Join("\n", report.Notes);
        Assert.AreEqual(1, shared.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeLinear"), notes);
        Assert.AreEqual(3, shared.Graph.Nodes.Count(n => n.OpType == "MatMulIntegerToFloat"), notes);
        Assert.AreEqual(0, shared.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeMatMul"), notes);
        StringAssert.Contains(notes, "3 of them read an input another one reads and share its one quantization");
        Assert.AreEqual(3, separate.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeMatMul"), "copies of the input are quantized each on its own");
        // The same uint8 input and int8 weights through the same integer product: the same answers.
        var once = OutputComparison.Run(shared, inputs);
        Assert.IsLessThanOrEqualTo(1e-5, OutputComparison.MaxRelativeError(OutputComparison.Run(separate, inputs), once));
        Assert.IsGreaterThanOrEqualTo(0.99, Cosine(expected[0].ToFloats(), once[0].ToFloats()));
    }

    [TestMethod]
    public void StaticQuantizationOfASmallModelIsRefusedByTheSpeedCheckUnlessAllowed()
    {
        // A tiny conv: the Q/DQ overhead outweighs the integer kernel, so the check must catch it.
        var model = ConvChain(new PassTestModels(24), channels: 2);
        var original = ConvChain(new PassTestModels(24), channels: 2);
        using var calibration = SampleSet.Synthetic(model, 4, seed: 8);
        var context = new PassContext("small.onnx") { Config = OptimizeConfig.Parse("""{ "quantize": {} }"""), Calibration = new OrtActivationSource(calibration) };
        QuantizeRun.Quantize(model, "", context: context);
        Assert.AreEqual(RequiredCheckKind.FasterThanOriginal, context.RequiredChecks.Single().Kind);

        var inputs = SyntheticInputs.For(original, seed: 9);
        var slower = new SpeedCheckResult(0.001, 0.002, false);
        var e = Assert.ThrowsExactly<ModelOptException>(() => QuantizationSpeedCheck.Enforce(slower, allowSlower: false, "small.onnx"));
        Assert.AreEqual(ErrorCode.BudgetBroken, e.Code);
        Assert.AreSame(slower, QuantizationSpeedCheck.Enforce(slower, allowSlower: true, "small.onnx"));
        // And the measurement itself: a model measured against itself plus an extra conv chain is slower.
        var measured = QuantizationSpeedCheck.Measure(original, ConvChain(new PassTestModels(24), channels: 64), inputs, runs: 5, warmupRuns: 1);
        Assert.IsFalse(measured.Passed, measured.ToString());
        Assert.IsTrue(measured.Speedup < 1);
        // A keep-or-drop decision: timed on the decision clock, and the result says so.
        Assert.AreEqual(1, measured.Session?.IntraOpThreads);
        StringAssert.Contains(measured.ToString(), "1 intra-op thread");
        StringAssert.Contains(measured.ToString(), "thread CPU time");
    }

    [TestMethod]
    [DataRow("""{ "quantize": { "mode": "fast" } }""", "quantize.mode")]
    [DataRow("""{ "quantize": { "mode": "dynamic", "activationType": "int8" } }""", "quantize.activationType")]
    [DataRow("""{ "quantize": { "mode": "static", "blockSize": 32 } }""", "quantize.blockSize")]
    [DataRow("""{ "quantize": { "mode": "int4", "blockSize": 48 } }""", "quantize.blockSize")]
    [DataRow("""{ "quantize": { "mode": "int4", "calibration": "entropy" } }""", "quantize.calibration")]
    [DataRow("""{ "quantize": { "calibration": "minmax", "percentile": 99.9 } }""", "quantize.percentile")]
    [DataRow("""{ "quantize": { "symmetric": true } }""", "quantize.symmetric")]
    [DataRow("""{ "quantize": { "keepFloat": ["middle"] } }""", "quantize.keepFloat")]
    [DataRow("""{ "quantize": { "mode": "dynamic", "keepFloat": ["depthwise"] } }""", "quantize.keepFloat")]
    [DataRow("""{ "quantize": { "mode": "int4", "integerHardSwish": true } }""", "quantize.integerHardSwish")]
    [DataRow("""{ "quantize": { "mode": "dynamic", "biasCorrection": true } }""", "quantize.biasCorrection")]
    [DataRow("""{ "quantize": { "biasCorrection": 1 } }""", "quantize.biasCorrection")]
    [DataRow("""{ "quantize": { "exclude": { "nodes": ["("] } } }""", "quantize.exclude.nodes")]
    [DataRow("""{ "quantize": { "algorithm": "gptq" } }""", "quantize.algorithm")]
    [DataRow("""{ "quantize": { "speed": 1 } }""", "quantize.speed")]
    public void UnsupportedSettingsAreConfigErrorsNamingTheKey(string config, string key)
    {
        var model = ConvChain(new PassTestModels(25));
        var e = Assert.ThrowsExactly<ModelOptException>(() => QuantizeRun.Quantize(model, config));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, key);
    }

    [TestMethod]
    public void StaticWithoutCalibrationIsAConfigError()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => QuantizeRun.Quantize(ConvChain(new PassTestModels(26)), """{ "quantize": {} }"""));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, "calibration");
    }
}
