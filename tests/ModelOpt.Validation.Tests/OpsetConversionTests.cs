using Google.Protobuf;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Opsets;
using ModelOpt.TestSupport;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

/// <summary>
/// The opset converter on one small generated model per op that changed between opset 7 and 13:
/// ONNX Runtime runs the old-opset model and the converted one on the same inputs, and they must
/// answer the same.
/// </summary>
[TestClass]
public sealed class OpsetConversionTests
{
    private static (Model Model, Graph Graph, Value X) Net(long opset, long[] shape)
    {
        var model = Model.Create(opset: opset, irVersion: 4);
        var x = model.Graph.AddInput("x", DataType.Float, shape.Select(d => (long?)d).ToArray());
        return (model, model.Graph, x);
    }

    private static void Output(Graph g, Value v, DataType type = DataType.Float)
    {
        v.ElementType = type;
        g.AddOutput(v);
    }

    // Runs the model, raises it, runs it again: the same outputs (floats to rounding, integers exactly).
    private static OpsetConversion AssertConvertsExactly(Model model, long target = 13, string? rewritten = null)
    {
        var inputs = SyntheticInputs.For(model, seed: 5);
        var expected = OutputComparison.Run(model, inputs);
        var conversion = OpsetConverter.Raise(model, target);
        Assert.IsTrue(conversion.Succeeded, conversion.Refusal);
        Assert.AreEqual(target, model.OpsetVersion());
        if (rewritten is not null) Assert.IsTrue(conversion.Rewritten.ContainsKey(rewritten), conversion.Describe());
        var actual = OutputComparison.Run(model, inputs);
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].Shape, actual[i].Shape, $"shape of output {i}");
            if (expected[i].ElementType != DataType.Float)
            {
                Assert.IsTrue(expected[i].BitEquals(actual[i]), $"output {i} differs");
                continue;
            }
            var a = expected[i].ToFloats();
            var b = actual[i].ToFloats();
            for (int j = 0; j < a.Length; j++)
                Assert.AreEqual(a[j], b[j], 1e-5 * Math.Max(1, Math.Abs(a[j])), $"output {i} element {j}");
        }
        return conversion;
    }

    [TestMethod]
    [DataRow(7L, "nearest")]
    [DataRow(8L, "nearest")]
    [DataRow(8L, "linear")]
    public void UpsampleWithScalesAttributeBecomesAnAsymmetricResize(long opset, string mode)
    {
        var (model, g, x) = Net(opset, [1, 2, 3, 4]);
        var up = g.CreateNode("Upsample", [x], name: "up");
        up.SetString("mode", mode);
        up.SetFloats("scales", [1, 1, 2, 3]);
        Output(g, up.Output(0));

        AssertConvertsExactly(model, rewritten: "Upsample");

        var resize = g.Nodes.Single();
        Assert.AreEqual("Resize", resize.OpType);
        Assert.AreEqual("up", resize.Name, "the node keeps its name");
    }

    [TestMethod]
    [DataRow("nearest")]
    [DataRow("linear")]
    public void UpsampleWithScalesInputAtOpset9BecomesResize(string mode)
    {
        var (model, g, x) = Net(9, [1, 2, 3, 4]);
        var up = g.CreateNode("Upsample", [x, g.AddInitializer(Tensor.FromFloats("scales", [4], [1, 1, 2, 2]))], name: "up");
        up.SetString("mode", mode);
        Output(g, up.Output(0));
        AssertConvertsExactly(model, rewritten: "Upsample");
    }

    [TestMethod]
    [DataRow("nearest", 2f, 1.5f)]
    [DataRow("nearest", 0.5f, 0.6f)]
    [DataRow("linear", 2f, 3f)]
    public void ResizeAtOpset10KeepsItsCoordinatesAndRounding(string mode, float scaleH, float scaleW)
    {
        var (model, g, x) = Net(10, [1, 2, 4, 6]);
        var resize = g.CreateNode("Resize", [x, g.AddInitializer(Tensor.FromFloats("scales", [4], [1, 1, scaleH, scaleW]))], name: "resize");
        resize.SetString("mode", mode);
        Output(g, resize.Output(0));
        AssertConvertsExactly(model, rewritten: "Resize");
    }

    [TestMethod]
    [DataRow(7L, true)]
    [DataRow(8L, false)]
    public void BatchNormalizationLosesSpatialWithTheSameResult(long opset, bool spatial)
    {
        var t = new PassTestModels(3);
        var (model, g, x) = Net(opset, [2, 3, 2, 2]);
        Value[] parameters = spatial
            ? [t.Weight(g, "scale", 3), t.Weight(g, "bias", 3), t.Weight(g, "mean", 3), g.AddInitializer(Tensor.FromFloats("var", [3], [0.5f, 1f, 2f]))]
            : [t.Weight(g, "scale", 3, 2, 2), t.Weight(g, "bias", 3, 2, 2), t.Weight(g, "mean", 3, 2, 2), g.AddInitializer(Tensor.FromFloats("var", [3, 2, 2], t.Values(12).Select(v => 1 + v).ToArray()))];
        var bn = g.CreateNode("BatchNormalization", [x, .. parameters], name: "bn");
        bn.SetFloat("epsilon", 1e-3f);
        bn.SetInt("spatial", spatial ? 1 : 0);
        Output(g, bn.Output(0));

        AssertConvertsExactly(model, rewritten: "BatchNormalization");

        Assert.IsFalse(g.Nodes.Any(n => n.Attribute("spatial") is not null));
    }

    [TestMethod]
    [DataRow(7L)]
    [DataRow(10L)]
    public void DropoutBecomesIdentity(long opset)
    {
        var (model, g, x) = Net(opset, [2, 5]);
        var dropout = g.CreateNode("Dropout", [x], name: "dropout");
        dropout.SetFloat("ratio", 0.3f);
        var relu = g.CreateNode("Relu", [dropout.Output(0)], name: "relu");
        Output(g, relu.Output(0));
        AssertConvertsExactly(model, rewritten: "Dropout");
        Assert.AreEqual("Identity", g.FindNode("dropout")!.OpType);
    }

    [TestMethod]
    [DataRow("constant", 1.5f)]
    [DataRow("constant", 0f)]
    [DataRow("reflect", 0f)]
    public void PadAttributesBecomeInputs(string mode, float value)
    {
        var (model, g, x) = Net(8, [1, 2, 3, 4]);
        var pad = g.CreateNode("Pad", [x], name: "pad");
        pad.SetInts("pads", [0, 0, 1, 2, 0, 0, 2, 1]);
        pad.SetString("mode", mode);
        if (value != 0) pad.SetFloat("value", value);
        Output(g, pad.Output(0));
        AssertConvertsExactly(model, rewritten: "Pad");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void SliceAttributesBecomeInputs(bool withAxes)
    {
        var (model, g, x) = Net(8, [3, 5, 4]);
        var slice = g.CreateNode("Slice", [x], name: "slice");
        if (withAxes)
        {
            slice.SetInts("starts", [1, -3]);
            slice.SetInts("ends", [long.MaxValue, -1]);
            slice.SetInts("axes", [0, 2]);
        }
        else
        {
            slice.SetInts("starts", [0, 1, 1]);
            slice.SetInts("ends", [2, 4, 100]);
        }
        Output(g, slice.Output(0));
        AssertConvertsExactly(model, rewritten: "Slice");
    }

    [TestMethod]
    [DataRow(true, true)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    public void ClipBoundsBecomeInputs(bool min, bool max)
    {
        var (model, g, x) = Net(8, [2, 6]);
        var clip = g.CreateNode("Clip", [x], name: "clip");
        if (min) clip.SetFloat("min", 0.25f);
        if (max) clip.SetFloat("max", 0.6f);
        Output(g, clip.Output(0));
        AssertConvertsExactly(model, rewritten: "Clip");
    }

    [TestMethod]
    public void AxesAndSplitBecomeInputsAt13()
    {
        var (model, g, x) = Net(8, [2, 1, 6]);
        var squeeze = g.CreateNode("Squeeze", [x], name: "squeeze");
        squeeze.SetInts("axes", [1]);
        var unsqueeze = g.CreateNode("Unsqueeze", [squeeze.Output(0)], name: "unsqueeze");
        unsqueeze.SetInts("axes", [0, 3]);
        var sum = g.CreateNode("ReduceSum", [unsqueeze.Output(0)], name: "sum");
        sum.SetInts("axes", [2]);
        sum.SetInt("keepdims", 0);
        var split = g.CreateNode("Split", [sum.Output(0)], outputCount: 2, name: "split");
        split.SetInt("axis", 1);
        split.SetInts("split", [1, 1]);
        var all = g.CreateNode("ReduceSum", [x], name: "all");   // no axes: everything, before and after
        Output(g, split.Output(0));
        Output(g, split.Output(1));
        Output(g, all.Output(0));

        var conversion = AssertConvertsExactly(model);

        Assert.AreEqual(2, conversion.Rewritten["ReduceSum"]);
        Assert.IsFalse(g.Nodes.Any(n => n.Attribute("axes") is not null || n.Attribute("split") is not null));
    }

    [TestMethod]
    [DataRow("Softmax", 1L)]
    [DataRow("LogSoftmax", 1L)]
    [DataRow("Hardmax", 0L)]
    [DataRow("Softmax", 2L)]
    public void SoftmaxKeepsItsFlattenedMeaningOnEveryAxis(string op, long axis)
    {
        var (model, g, x) = Net(8, [2, 3, 4]);
        var node = g.CreateNode(op, [x], name: "softmax");
        node.SetInt("axis", axis);
        Output(g, node.Output(0));
        AssertConvertsExactly(model, rewritten: op);
        Assert.AreEqual(axis == 2 ? 1 : 4, g.NodeCount, "the last axis needs no reshaping; others are flattened and reshaped back");
    }

    [TestMethod]
    public void TopKTakesKAsAnInput()
    {
        var (model, g, x) = Net(8, [3, 7]);
        var topk = g.CreateNode("TopK", [x], outputCount: 2, name: "topk");
        topk.SetInt("k", 3);
        Output(g, topk.Output(0));
        Output(g, topk.Output(1), DataType.Int64);
        AssertConvertsExactly(model, rewritten: "TopK");
    }

    [TestMethod]
    public void ScatterBecomesScatterElements()
    {
        var (model, g, x) = Net(9, [3, 4]);
        var indices = g.AddInitializer(Tensor.FromInt64s("indices", [1, 4], [2, 0, 1, 2]));
        var updates = g.AddInitializer(Tensor.FromFloats("updates", [1, 4], [9, 8, 7, 6]));
        var scatter = g.CreateNode("Scatter", [x, indices, updates], name: "scatter");
        scatter.SetInt("axis", 0);
        Output(g, scatter.Output(0));
        AssertConvertsExactly(model, target: 11, rewritten: "Scatter");
        Assert.AreEqual("ScatterElements", g.Nodes.Single().OpType);
    }

    [TestMethod]
    public void ImageScalerBecomesMulAndAdd()
    {
        var (model, g, x) = Net(8, [1, 3, 2, 2]);
        var scaler = g.CreateNode("ImageScaler", [x], name: "scaler");
        scaler.SetFloat("scale", 2.5f);
        scaler.SetFloats("bias", [-1f, 0.5f, 3f]);
        Output(g, scaler.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 1);

        Assert.IsTrue(OpsetConverter.Raise(model, 13).Succeeded);

        var x0 = inputs[0].ToFloats();
        var y = OutputComparison.Run(model, inputs)[0].ToFloats();
        float[] bias = [-1f, 0.5f, 3f];
        for (int i = 0; i < y.Length; i++) Assert.AreEqual(x0[i] * 2.5f + bias[i / 4], y[i], 1e-6);
    }

    [TestMethod]
    public void OpsWhoseMeaningDidNotChangeAreLeftAsTheyAre()
    {
        var t = new PassTestModels(7);
        var (model, g, x) = Net(7, [1, 3, 8, 8]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w", 4, 3, 3, 3), t.Weight(g, "b", 4)], name: "conv");
        conv.SetInts("pads", [1, 1, 1, 1]);
        var pool = g.CreateNode("MaxPool", [conv.Output(0)], name: "maxpool");
        pool.SetInts("kernel_shape", [2, 2]);
        pool.SetInts("strides", [2, 2]);
        var avg = g.CreateNode("AveragePool", [pool.Output(0)], name: "avgpool");
        avg.SetInts("kernel_shape", [3, 3]);
        avg.SetInts("pads", [1, 1, 1, 1]);
        avg.SetInt("count_include_pad", 1);
        var flat = g.CreateNode("Flatten", [avg.Output(0)], name: "flatten");
        var gemm = g.CreateNode("Gemm", [flat.Output(0), t.Weight(g, "fc", 5, 64), t.Weight(g, "fcb", 5)], name: "gemm");
        gemm.SetInt("transB", 1);
        Output(g, gemm.Output(0));

        var conversion = AssertConvertsExactly(model);

        Assert.AreEqual(0, conversion.Rewritten.Count, conversion.Describe());
    }

    [TestMethod]
    public void AnOpItCannotConvertIsNamedWithItsNodeAndTheModelIsLeftAlone()
    {
        var (model, g, x) = Net(8, [2, 3]);
        var relu = g.CreateNode("Relu", [x], name: "relu");
        var odd = g.CreateNode("FancyOp", [relu.Output(0)], name: "mystery");
        Output(g, odd.Output(0));
        var clip = g.CreateNode("Clip", [x], name: "clip");
        clip.SetFloat("min", 0f);
        Output(g, clip.Output(0));

        var conversion = OpsetConverter.Raise(model, 13);

        Assert.IsFalse(conversion.Succeeded);
        StringAssert.Contains(conversion.Refusal, "FancyOp 'mystery'");
        Assert.AreEqual(8L, model.OpsetVersion(), "a refused model keeps its opset");
        Assert.IsNotNull(clip.Attribute("min"), "and every node as it was");
    }

    [TestMethod]
    public void ADropoutWhoseMaskIsReadIsRefused()
    {
        var (model, g, x) = Net(8, [2, 3]);
        var dropout = g.CreateNode("Dropout", [x], outputCount: 2, name: "dropout");
        Output(g, dropout.Output(0));
        Output(g, dropout.Output(1));

        var why = OpsetConverter.WhyNot(model, 13);

        StringAssert.Contains(why, "Dropout 'dropout'");
        StringAssert.Contains(why, "mask");
    }

    [TestMethod]
    public void NodesInsideIfBranchesAreConvertedToo()
    {
        static GraphProto Branch(string name, string attribute, float bound)
        {
            var clip = ProtoBuilders.Node("Clip", ["x"], [$"{name}_y"], name: $"{name}_clip");
            clip.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Float, F = bound });
            var graph = new GraphProto { Name = name };
            graph.Node.Add(clip);
            graph.Output.Add(ProtoBuilders.TensorInfo($"{name}_y", DataType.Float, 2, 3));
            return graph;
        }
        var main = new GraphProto { Name = "main" };
        main.Input.Add(ProtoBuilders.TensorInfo("x", DataType.Float, 2, 3));
        main.Input.Add(ProtoBuilders.TensorInfo("cond", DataType.Bool));
        var @if = ProtoBuilders.Node("If", ["cond"], ["y"], name: "if");
        @if.Attribute.Add(ProtoBuilders.GraphAttribute("then_branch", Branch("then", "min", 0.4f)));
        @if.Attribute.Add(ProtoBuilders.GraphAttribute("else_branch", Branch("else", "max", 0.6f)));
        main.Node.Add(@if);
        main.Output.Add(ProtoBuilders.TensorInfo("y", DataType.Float, 2, 3));
        var model = ModelLoader.Load(new MemoryStream(ProtoBuilders.ModelAround(main, opset: 8, irVersion: 3).ToByteArray()), "if.onnx");

        var conversion = OpsetConverter.Raise(model, 13);

        Assert.AreEqual(2, conversion.Rewritten["Clip"], conversion.Describe());
        foreach (bool branch in new[] { true, false })
        {
            var x = TensorData.FromFloats("x", [2, 3], [0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.2f]);
            var y = OutputComparison.Run(model, [x, TensorData.FromArray("cond", DataType.Bool, [], new byte[] { branch ? (byte)1 : (byte)0 })])[0].ToFloats();
            CollectionAssert.AreEqual(x.ToFloats().Select(v => branch ? Math.Max(v, 0.4f) : Math.Min(v, 0.6f)).ToArray(), y);
        }
    }

    [TestMethod]
    public void AnIr3ModelGetsTheIrVersionOfItsNewOpsetAndItsWeightsStopBeingInputs()
    {
        var main = new GraphProto { Name = "main" };
        main.Input.Add(ProtoBuilders.TensorInfo("x", DataType.Float, 1, 2, 4, 4));
        main.Input.Add(ProtoBuilders.TensorInfo("w", DataType.Float, 3, 2, 1, 1));   // IR 3: every initializer is also an input
        main.Initializer.Add(ProtoBuilders.FloatTensor("w", [3, 2, 1, 1], [0.5f, -1f, 2f, 0.25f, -0.5f, 1f]));
        main.Node.Add(ProtoBuilders.Node("Conv", ["x", "w"], ["c"], name: "conv"));
        var clip = ProtoBuilders.Node("Clip", ["c"], ["y"], name: "clip");
        clip.Attribute.Add(new AttributeProto { Name = "min", Type = AttributeProto.Types.AttributeType.Float, F = 0f });
        main.Node.Add(clip);
        main.Output.Add(ProtoBuilders.TensorInfo("y", DataType.Float, 1, 3, 4, 4));
        var model = ModelLoader.Load(new MemoryStream(ProtoBuilders.ModelAround(main, opset: 8, irVersion: 3).ToByteArray()), "ir3.onnx");

        AssertConvertsExactly(model, rewritten: "Clip");

        Assert.AreEqual(7L, model.IrVersion);
        CollectionAssert.AreEqual(new[] { "x" }, model.Graph.Inputs.Select(v => v.Name).ToArray(), "the weight is a constant again, not an overridable input");
    }
}
