using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Fp16;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Quantize;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

/// <summary>Models published in float16 (ISNet's form, <see cref="HalfPrecisionUNet"/>): back to float32, and quantized.</summary>
[TestClass]
public sealed class HalfPrecisionModelTests
{
    [TestMethod]
    public void Fp32WidensAHalfPrecisionUNetKeepingItsInterfaceAndOutputs()
    {
        var model = HalfPrecisionUNet.Create();
        var inputs = SyntheticInputs.For(model, seed: 1);
        var expected = OutputComparison.Run(model, inputs);

        var report = new PassPipeline([new Fp32Pass()]).Run(model, new PassContext("test.onnx")).Single();

        var g = model.Graph;
        Assert.IsTrue(report.Changed, string.Join("\n", report.Notes));
        Assert.IsTrue(g.Initializers.All(v => v.Initializer!.DataType != DataType.Float16), "no float16 constant is left");
        Assert.IsFalse(g.Nodes.Any(n => n.OpType == "Cast"), string.Join(", ", g.Nodes.Where(n => n.OpType == "Cast").Select(n => n.Name)));
        Assert.AreEqual("input", g.Inputs.Single().Name);
        Assert.AreEqual(DataType.Float, g.Outputs.Single().ElementType);
        var actual = OutputComparison.Run(model, inputs);
        // float16 rounding in the original is the only difference.
        Assert.IsLessThan(5e-3, OutputComparison.MaxRelativeError(expected, actual));
    }

    [TestMethod]
    public void Fp32KeepsAFloat16InterfaceThroughCasts()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float16, [1, 4]);
        var w = g.AddInitializer(Tensor.FromArray("w", DataType.Float16, [4, 2], Enumerable.Range(0, 8).Select(i => (Half)(i * 0.25f)).ToArray()));
        var matmul = g.CreateNode("MatMul", [x, w], name: "matmul");
        matmul.Output(0).ElementType = DataType.Float16;
        g.AddOutput(matmul.Output(0));
        var inputs = new[] { TensorData.FromArray("x", DataType.Float16, [1, 4], new[] { (Half)1, (Half)2, (Half)(-1), (Half)0.5f }) };
        var expected = OutputComparison.Run(model, inputs);

        new PassPipeline([new Fp32Pass()]).Run(model, new PassContext("test.onnx"));

        using var runner = OrtModelRunner.FromModel(model);
        Assert.AreEqual(DataType.Float16, runner.Inputs.Single().ElementType);
        Assert.AreEqual(DataType.Float16, runner.Outputs.Single().ElementType);
        Assert.AreEqual(DataType.Float, g.FindValue("w")!.Initializer!.DataType);
        CollectionAssert.AreEqual(expected[0].ToArray<Half>(), runner.Run(inputs)[0].ToArray<Half>());
    }

    [TestMethod]
    public void QuantizeTakesFloat16ConvsAndKeepsTheOutputWithinCosine099()
    {
        var model = HalfPrecisionUNet.Create();
        int convs = model.Graph.Nodes.Count(n => n.OpType == "Conv");
        var inputs = SyntheticInputs.For(model, seed: 2);
        var expected = OutputComparison.Run(model, inputs);
        using var calibration = SampleSet.Synthetic(model, 8, seed: 3);

        var report = QuantizeRun.Quantize(model, "{}", calibration);

        string notes = string.Join("\n", report.Notes);
        var quantizedConvs = model.Graph.Nodes.Count(n => n.OpType == "Conv" && n.Input(1)?.Producer?.OpType == "DequantizeLinear");
        Assert.AreEqual(convs, quantizedConvs, notes);
        Assert.IsTrue(report.Notes.Any(n => n.StartsWith("float16 model quantized from float32", StringComparison.Ordinal)), notes);
        Assert.IsFalse(model.Graph.Initializers.Any(v => v.Initializer!.DataType == DataType.Float16), notes);
        double cosine = OutputComparison.Cosine(expected, OutputComparison.Run(model, inputs));
        Assert.IsGreaterThanOrEqualTo(0.99, cosine, $"cosine {cosine}\n{notes}");
    }

    [TestMethod]
    public void AMaxPoolIsQuantizedInItsInputsQuantizationSoOnnxRuntimePoolsOnUint8()
    {
        // Calibrated alone, the pool's output gets a range of its own (a percentile of the pooled
        // values), and ORT then pools in float between a DQ and a Q instead of dropping the pair.
        var model = HalfPrecisionUNet.Create();
        using var calibration = SampleSet.Synthetic(model, 8, seed: 3);
        var report = QuantizeRun.Quantize(model, """{ "quantize": { "calibration": "percentile", "percentile": 99.9 } }""", calibration);

        var pool = model.Graph.Nodes.Single(n => n.OpType == "MaxPool");
        var dq = pool.Input(0)!.Producer!;
        var q = pool.Output(0).Uses.Single().Node;
        Assert.AreEqual("DequantizeLinear", dq.OpType, string.Join("\n", report.Notes));
        Assert.AreEqual("QuantizeLinear", q.OpType);
        Assert.AreEqual(dq.Input(1)!.ConstantValue!.ToFloats()[0], q.Input(1)!.ConstantValue!.ToFloats()[0], "scale");
        CollectionAssert.AreEqual(dq.Input(2)!.ConstantValue!.Memory.ToArray(), q.Input(2)!.ConstantValue!.Memory.ToArray(), "zero point");
    }

    [TestMethod]
    public void SearchKnobsOfAFloat16ModelAreItsConvsAsQuantizeRewritesThem()
    {
        // The search lists its int8 knobs on a copy of the model: a float16 one must be widened
        // there as the pass widens it, or no conv is a knob and the search tunes nothing.
        var model = HalfPrecisionUNet.Create();
        var convs = model.Graph.Nodes.Where(n => n.OpType == "Conv").Select(n => n.Name).ToHashSet();
        var knobs = new QuantizePass().Knobs(model, new PassContext("test.onnx")).Select(k => k.Node).ToHashSet();
        Assert.IsTrue(convs.IsSubsetOf(knobs), $"knobs: {string.Join(", ", knobs)}; convs: {string.Join(", ", convs)}");
    }

    [TestMethod]
    public void QuantizeSaysWhyEachConvItLeavesFloatIsLeftGroupedByReason()
    {
        var t = new PassTestModels(8);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 4, 8, 8]);
        var runtimeWeight = g.AddInput("w_runtime", DataType.Float, [4, 4, 1, 1]);
        var conv1 = g.CreateNode("Conv", [x, t.Weight(g, "w1", 4, 4, 1, 1)], name: "conv1");
        var conv2 = g.CreateNode("Conv", [conv1.Output(0), runtimeWeight], name: "conv_runtime");
        var conv3 = g.CreateNode("Conv", [conv2.Output(0), t.Weight(g, "w3", 4, 4, 1, 1)], name: "conv_excluded");
        PassTestModels.DeclareOutput(g, conv3.Output(0));
        using var calibration = SampleSet.Synthetic(model, 4, seed: 1);

        var report = QuantizeRun.Quantize(model, """{ "quantize": { "exclude": { "nodes": ["^conv_excluded$"] } } }""", calibration);

        string notes = string.Join("\n", report.Notes);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("1 Conv(s) left float: its weights are computed at run time, not constant (conv_runtime)")), notes);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("conv_excluded: kept float by the configuration")), notes);
        Assert.AreEqual("DequantizeLinear", g.FindNode("conv1")!.Input(1)!.Producer?.OpType, notes);
    }
}
