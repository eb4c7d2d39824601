using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Engine.Passes.Quantize;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Passes;

/// <summary><c>quantize</c> turns an LSTM into com.microsoft DynamicQuantizeLSTM, in ONNX Runtime's layout.</summary>
[TestClass]
public sealed class LstmQuantizerTests
{
    private const string Dynamic = """{ "quantize": { "mode": "dynamic" } }""";

    private static PassOutcome Quantize(Model model, ShapeBindings bindings, string json = Dynamic) =>
        new QuantizePass().Run(model, new PassContext("lstm.onnx") { Bindings = bindings, Config = OptimizeConfig.Parse(json) });

    [TestMethod]
    public void WAndRBecomeInt8TransposedWithOneScalePerGateRow()
    {
        var model = ModelLoader.FromProto(StreamingVad.Build(), "vad.onnx", fromFile: false);
        var w = model.Graph.FindLocalValue("lstm_w")!.ConstantValue!.ToFloats();   // [1, 16, 4]
        var outcome = Quantize(model, ShapeBindings.Parse([], ["sr=16000", "state=zeros"]));
        Assert.IsTrue(outcome.Notes.Any(n => n.Contains("1 LSTM layer(s) rewritten as DynamicQuantizeLSTM")), string.Join("\n", outcome.Notes));

        var node = model.Graph.Nodes.Single(n => n.OpType == "DynamicQuantizeLSTM");
        Assert.AreEqual("com.microsoft", node.Domain);
        Assert.AreEqual(12, node.Inputs.Count);
        Assert.AreEqual(StreamingVad.HiddenSize, node.GetInt("hidden_size", 0));
        var q = node.Input(1)!.ConstantValue!;
        var scale = node.Input(8)!.ConstantValue!;
        CollectionAssert.AreEqual(new long[] { 1, 4, 16 }, q.Dims, "W is [directions, input, 4·hidden]");
        CollectionAssert.AreEqual(new long[] { 1, 16 }, scale.Dims);
        CollectionAssert.AreEqual(new long[] { 1, 16 }, node.Input(9)!.ConstantValue!.Dims);
        Assert.AreEqual(DataType.Int8, node.Input(9)!.ConstantValue!.DataType);
        Assert.IsTrue(node.Input(9)!.ConstantValue!.Bytes.ToArray().All(b => b == 0), "int8 weights need zero points of 0");
        CollectionAssert.AreEqual(new long[] { 1, 4, 16 }, node.Input(2)!.ConstantValue!.Dims, "R is [directions, hidden, 4·hidden]");
        var qs = q.Span<sbyte>().ToArray();
        var s = scale.ToFloats();
        for (int row = 0; row < 16; row++)
            for (int k = 0; k < 4; k++)
                Assert.AreEqual(w[row * 4 + k], qs[k * 16 + row] * s[row], s[row] / 2 + 1e-6f, $"row {row}, k {k}");
        // The LSTM's outputs keep their names: the Concat and Reshape after it read them as before.
        Assert.AreSame(node, model.Graph.FindLocalValue("h1")!.Producer);
        Assert.AreSame(node, model.Graph.FindLocalValue("c1")!.Producer);
        Assert.AreEqual(1L, model.OpsetVersion("com.microsoft"));
    }

    [TestMethod]
    public void AnExcludedLstmStaysFloat()
    {
        var model = ModelLoader.FromProto(StreamingVad.Build(), "vad.onnx", fromFile: false);
        Quantize(model, ShapeBindings.Parse([], ["sr=16000", "state=zeros"]), """{ "quantize": { "mode": "dynamic", "exclude": { "opTypes": ["LSTM"] } } }""");
        Assert.AreEqual(1, model.Graph.Nodes.Count(n => n.OpType == "LSTM"));
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType == "DynamicQuantizeLSTM"));
    }

    // An LSTM straight on an input [seq, 1, 4] whose sequence length is a symbol.
    private static Model OpenSequence()
    {
        var random = new Random(3);
        var g = new GraphProto { Name = "open_sequence" };
        var x = TensorInfo("x", DataType.Float, 1, 1, 4);
        x.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "seq" };
        g.Input.Add(x);
        g.Initializer.Add(FloatTensor("w", [1, 16, 4], RandomFloats(random, 64, 0.5f)));
        g.Initializer.Add(FloatTensor("r", [1, 16, 4], RandomFloats(random, 64, 0.5f)));
        var lstm = Node("LSTM", ["x", "w", "r"], ["", "h"], "rnn");
        lstm.Attribute.Add(IntAttribute("hidden_size", 4));
        g.Node.Add(lstm);
        g.Output.Add(TensorInfo("h", DataType.Float, 1, 1, 4));
        return ModelLoader.FromProto(ModelAround(g), "open.onnx", fromFile: false);
    }

    [TestMethod]
    public void AnLstmWhoseSequenceLengthIsUnknownIsAClearError()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => Quantize(OpenSequence(), ShapeBindings.None));
        Assert.AreEqual(ErrorCode.SequenceLengthUnknown, e.Code);
        Assert.AreEqual(2, e.Code.ExitCode());
        StringAssert.Contains(e.Message, "LSTM 'rnn'");
        StringAssert.Contains(e.Message, "input 'x'");
        StringAssert.Contains(e.Message, "--shape x=");

        // Bound, the same model is rewritten.
        var model = OpenSequence();
        Quantize(model, ShapeBindings.Parse(["x=5x1x4"], []));
        Assert.AreEqual(1, model.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeLSTM"));
    }
}
