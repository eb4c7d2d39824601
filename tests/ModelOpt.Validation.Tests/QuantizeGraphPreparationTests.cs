using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

/// <summary>The exact rewrites static quantization makes before it places Q/DQ: affine folding into convs, hard-swish.</summary>
[TestClass]
public sealed class QuantizeGraphPreparationTests
{
    private static Model ConvThenAffine(PassTestModels t, bool withBias)
    {
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        Value?[] inputs = withBias ? [x, t.Weight(g, "w", 4, 3, 3, 3), t.Weight(g, "b", 4)] : [x, t.Weight(g, "w", 4, 3, 3, 3)];
        var conv = g.CreateNode("Conv", inputs, name: "conv");
        conv.SetInts("pads", [1, 1, 1, 1]);
        var mul = g.CreateNode("Mul", [conv.Output(0), g.AddInitializer(Tensor.FromFloats("scale", [1, 4, 1, 1], [0.5f, -2f, 3f, 0.25f]))], name: "mul");
        var add = g.CreateNode("Add", [g.AddInitializer(Tensor.FromFloats("shift", [1], [0.75f])), mul.Output(0)], name: "add");
        var relu = g.CreateNode("Relu", [add.Output(0)], name: "relu");
        PassTestModels.DeclareOutput(g, relu.Output(0));
        return model;
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ConstantMulAndAddAfterAConvFoldIntoItsWeightsAndBiasExactly(bool withBias)
    {
        var model = ConvThenAffine(new PassTestModels(31), withBias);
        var inputs = SyntheticInputs.For(model, seed: 1);
        var expected = OutputComparison.Run(model, inputs);

        Assert.AreEqual(2, ConvAffineFolding.Run(model.Graph));

        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType is "Mul" or "Add"), "the affine ops are gone");
        Assert.IsNotNull(model.Graph.Nodes.Single(n => n.OpType == "Conv").Input(2), "the conv now has a bias");
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-5);
    }

    [TestMethod]
    public void AMulThatBroadcastsOverSpaceOrAConvReadTwiceIsNotFolded()
    {
        var t = new PassTestModels(32);
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 4, 4]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w", 2, 3, 1, 1)], name: "conv");
        var mul = g.CreateNode("Mul", [conv.Output(0), g.AddInitializer(Tensor.FromFloats("row", [4], [1, 2, 3, 4]))], name: "mul");
        var conv2 = g.CreateNode("Conv", [x, t.Weight(g, "w2", 2, 3, 1, 1)], name: "conv2");
        var add = g.CreateNode("Add", [conv2.Output(0), g.AddInitializer(Tensor.FromFloats("c", [], [1f]))], name: "add");
        PassTestModels.DeclareOutput(g, mul.Output(0));
        PassTestModels.DeclareOutput(g, add.Output(0));
        PassTestModels.DeclareOutput(g, conv2.Output(0));

        Assert.AreEqual(0, ConvAffineFolding.Run(g), "a per-column factor is not per channel; conv2's output is also read by the graph");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ScalarMulAndAddReadOnlyByUnpaddedConvsFoldIntoThemExactlyButNotIntoAPaddedOne(bool padded)
    {
        var t = new PassTestModels(34);
        var model = Model.Create(opset: 14);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 4, 6, 6]);
        var swish = g.CreateNode("HardSwish", [x], name: "swish");
        var mul = g.CreateNode("Mul", [swish.Output(0), g.AddInitializer(Tensor.FromFloats("c", [], [0.8f]))], name: "mul");
        var add = g.CreateNode("Add", [g.AddInitializer(Tensor.FromFloats("b", [1], [0.013f])), mul.Output(0)], name: "add");
        var pointwise = g.CreateNode("Conv", [add.Output(0), t.Weight(g, "w", 3, 4, 1, 1), t.Weight(g, "bias", 3)], name: "pointwise");
        var grouped = g.CreateNode("Conv", [add.Output(0), t.Weight(g, "w2", 4, 2, 3, 3)], name: "grouped");
        grouped.SetInt("group", 2);
        if (padded) grouped.SetInts("pads", [1, 1, 1, 1]);
        PassTestModels.DeclareOutput(g, pointwise.Output(0));
        PassTestModels.DeclareOutput(g, grouped.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 2);
        var expected = OutputComparison.Run(model, inputs);

        ModelOpt.Engine.Shapes.ShapeInference.Run(model, ModelOpt.Engine.Shapes.ShapeBindings.None);
        Assert.AreEqual(padded ? 0 : 1, AffineIntoConvs.Run(g));

        Assert.AreEqual(padded, g.Nodes.Any(n => n.OpType is "Mul" or "Add"), "padded zeros of c·h + b are not c·0 + b, so a padded reader keeps the pair");
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-5);
    }

    private static Model HardSwishChain(long opset, bool divide, float weightScale = 1)
    {
        var t = new PassTestModels(33);
        var model = Model.Create(opset: opset);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        var conv = g.CreateNode("Conv", [x, g.AddInitializer(Tensor.FromFloats("w", [4, 3, 1, 1], t.Values(12).Select(v => v * weightScale).ToArray()))], name: "conv");
        var y = conv.Output(0);
        // Paddle2ONNX's spelling: Add(3) → Clip(0, 6) → Mul(x, ·) → Div(6).
        var add = g.CreateNode("Add", [y, g.AddInitializer(Tensor.FromFloats("three", [], [3f]))], name: "add");
        var clip = g.CreateNode("Clip", [add.Output(0), g.AddInitializer(Tensor.FromFloats("zero", [], [0f])), g.AddInitializer(Tensor.FromFloats("six", [], [6f]))], name: "clip");
        var mul = g.CreateNode("Mul", [clip.Output(0), y], name: "mul");
        var scale = divide
            ? g.CreateNode("Div", [mul.Output(0), g.AddInitializer(Tensor.FromFloats("six2", [], [6f]))], name: "div")
            : g.CreateNode("Mul", [mul.Output(0), g.AddInitializer(Tensor.FromFloats("sixth", [], [1f / 6]))], name: "scale");
        PassTestModels.DeclareOutput(g, scale.Output(0));
        return model;
    }

    [TestMethod]
    [DataRow(12L, true, "HardSigmoid")]
    [DataRow(12L, false, "HardSigmoid")]
    [DataRow(13L, true, "HardSwish")]
    [DataRow(17L, true, "HardSwish")]
    public void HardSwishSpelledOutBecomesOneFunctionWithTheSameOutputs(long opset, bool divide, string op)
    {
        var model = HardSwishChain(opset, divide);
        // Wide inputs so every piece of hard-swish (0 below −3, x above 3, the curve between) is hit.
        var inputs = new[] { TensorData.FromFloats("x", [1, 3, 8, 8], Enumerable.Range(0, 192).Select(i => (i - 96) / 8f).ToArray()) };
        var expected = OutputComparison.Run(model, inputs);

        Assert.AreEqual(1, HardSwishRewrite.Run(model));

        Assert.IsTrue(model.Graph.Nodes.Any(n => n.OpType == op), string.Join(", ", model.Graph.Nodes.Select(n => n.OpType)));
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType is "Clip" or "Div" or "Add"));
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-5);
    }

    [TestMethod]
    public void AConvReadOnlyByHardSwishIsQuantizedFromMinusThreeUpAndKeepsItsOutput()
    {
        // Weights ×8 so the conv's output reaches far below −3, where hard-swish is 0 whatever the value.
        var model = HardSwishChain(12, divide: true, weightScale: 8);
        var inputs = SyntheticInputs.For(model, seed: 5);
        var expected = OutputComparison.Run(model, inputs);
        using var calibration = SampleSet.Synthetic(model, 8, seed: 2);
        QuantizeRun.Quantize(model, """{ "quantize": { "allowSlower": true } }""", calibration);

        var hardSwish = model.Graph.Nodes.Single(n => n.OpType == "HardSwish");
        var dq = hardSwish.Input(0)!.Producer!;
        Assert.AreEqual("DequantizeLinear", dq.OpType);
        float scale = dq.Input(1)!.Initializer!.ToFloats()[0];
        int zeroPoint = dq.Input(2)!.Initializer!.Bytes[0];
        Assert.AreEqual(-3f, -zeroPoint * scale, scale, "the lowest quantized value is −3, not the conv's minimum");
        Assert.IsTrue(QuantizePassTests.Cosine(expected[0].ToFloats(), OutputComparison.Run(model, inputs)[0].ToFloats()) > 0.999);
    }

    [TestMethod]
    public void AConvWithAnAllZeroOutputChannelQuantizesToFiniteOutputs()
    {
        var t = new PassTestModels(34);
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        var w = t.Values(4 * 27);
        Array.Clear(w, 27, 27);   // output channel 1: all weights zero, so its per-channel scale would be 0
        var conv = g.CreateNode("Conv", [x, g.AddInitializer(Tensor.FromFloats("w", [4, 3, 3, 3], w)), t.Weight(g, "b", 4)], name: "conv");
        var conv2 = g.CreateNode("Conv", [conv.Output(0), t.Weight(g, "w2", 2, 4, 1, 1)], name: "conv2");
        PassTestModels.DeclareOutput(g, conv2.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 3);
        var expected = OutputComparison.Run(model, inputs);
        using var calibration = SampleSet.Synthetic(model, 8, seed: 4);

        QuantizeRun.Quantize(model, """{ "quantize": { "allowSlower": true } }""", calibration);

        var actual = OutputComparison.Run(model, inputs);
        Assert.IsTrue(actual[0].ToFloats().All(float.IsFinite));
        Assert.IsTrue(QuantizePassTests.Cosine(expected[0].ToFloats(), actual[0].ToFloats()) > 0.99);
    }

    [TestMethod]
    public void HardSwishBetweenQuantizedTensorsBecomesAnIntegerAddAndMulWithinOneStepOnAll256Inputs()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var q = g.AddInput("q", TensorProto.Types.DataType.Uint8, [1, 256]);
        // Inputs from −5 to 7.75 (both of hard-swish's flat and linear pieces), output in steps of 0.03.
        var dq = g.CreateNode("DequantizeLinear", [q, g.AddInitializer(Tensor.FromFloats("in_scale", [], [0.05f])), g.AddInitializer(Tensor.FromArray("in_zero", TensorProto.Types.DataType.Uint8, [], new byte[] { 100 }))], name: "dq");
        dq.Output(0).ElementType = TensorProto.Types.DataType.Float;
        var hs = g.CreateNode("HardSwish", [dq.Output(0)], name: "hs");
        hs.Output(0).ElementType = TensorProto.Types.DataType.Float;
        var quantize = g.CreateNode("QuantizeLinear", [hs.Output(0), g.AddInitializer(Tensor.FromFloats("out_scale", [], [0.03f])), g.AddInitializer(Tensor.FromArray("out_zero", TensorProto.Types.DataType.Uint8, [], new byte[] { 12 }))], name: "q_out");
        quantize.Output(0).ElementType = TensorProto.Types.DataType.Uint8;
        quantize.Output(0).Shape = TensorShape.Of([1, 256]);
        g.AddOutput(quantize.Output(0));
        var inputs = new[] { TensorData.FromArray("q", TensorProto.Types.DataType.Uint8, [1, 256], Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()) };
        var expected = OutputComparison.Run(model, inputs)[0].ToArray<byte>();

        Assert.AreEqual(1, QuantizedHardSwish.Run(g));

        Assert.IsFalse(g.Nodes.Any(n => n.OpType == "HardSwish"));
        Assert.AreEqual(1, g.Nodes.Count(n => n.OpType == "Add"));
        Assert.AreEqual(1, g.Nodes.Count(n => n.OpType == "Mul"));
        var actual = OutputComparison.Run(model, inputs)[0].ToArray<byte>();
        int worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        int exact = expected.Zip(actual).Count(p => p.First == p.Second);
        Assert.IsTrue(worst <= 1, $"at most one step off (HardSigmoid is rounded to 1/255), worst {worst}");
        Assert.IsTrue(exact >= 200, $"{exact} of 256 identical");
        Assert.AreEqual(expected[0], actual[0], "x = −5: 0");
        Assert.AreEqual(expected[255], actual[255], "x = 7.75: x itself");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AHardSwishWhoseScalarAffineFeedsAPointwiseConvRunsInIntegerOpsOnlyWithIntegerHardSwish(bool integerHardSwish)
    {
        var t = new PassTestModels(35);
        var model = Model.Create(opset: 14);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w", 4, 3, 1, 1), t.Weight(g, "b", 4)], name: "conv");
        var swish = g.CreateNode("HardSwish", [conv.Output(0)], name: "swish");
        // b far below one quantization step: not absorbable into QuantizeLinear exactly.
        var mul = g.CreateNode("Mul", [swish.Output(0), g.AddInitializer(Tensor.FromFloats("c", [], [1.1f]))], name: "mul");
        var add = g.CreateNode("Add", [mul.Output(0), g.AddInitializer(Tensor.FromFloats("shift", [], [1e-4f]))], name: "add");
        var pointwise = g.CreateNode("Conv", [add.Output(0), t.Weight(g, "w2", 2, 4, 1, 1), t.Weight(g, "b2", 2)], name: "pointwise");
        PassTestModels.DeclareOutput(g, pointwise.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 5);
        var expected = OutputComparison.Run(model, inputs);
        using var calibration = SampleSet.Synthetic(model, 8, seed: 6);

        QuantizeRun.Quantize(model, integerHardSwish ? """{ "quantize": { "allowSlower": true, "integerHardSwish": true } }""" : """{ "quantize": { "allowSlower": true } }""", calibration);

        // Integer form: the Add and Mul left are the QDQ patterns of QLinearAdd (x + 3) and QLinearMul (x · gate).
        Assert.AreEqual(!integerHardSwish, g.Nodes.Any(n => n.OpType == "HardSwish"));
        Assert.AreEqual(!integerHardSwish, g.Nodes.Any(n => n.OpType is "Mul" or "Add" && n.Inputs.Any(i => i?.Initializer is { ElementCount: 1, DataType: TensorProto.Types.DataType.Float })),
            "the scalar pair stays float unless folded into the pointwise conv");
        Assert.IsTrue(QuantizePassTests.Cosine(expected[0].ToFloats(), OutputComparison.Run(model, inputs)[0].ToFloats()) > 0.99);
    }
}
