using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Engine.Passes.Freeze;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class ConstantFoldingTests
{
    private static PassReport Freeze(Model model, IConstantEvaluator? evaluator) =>
        new PassPipeline([new FreezePass()]).Run(model, new PassContext("test.onnx") { ConstantEvaluator = evaluator }).Single();

    /// <summary>
    /// x + a·b (b from a Constant node), reshaped to [-1, 12] by a target computed from Shape of an
    /// initializer, plus the mean of a Tile too large to fold, plus a DequantizeLinear of int8
    /// weights, reshaped back by Shape(x), which depends on the input and is not constant.
    /// </summary>
    private static Model ModelWithConstantSubexpressions()
    {
        var t = new PassTestModels(21);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [null, 3, 4], ["N", null, null]);
        var b = g.CreateNode("Constant", [], name: "b_const");
        b.SetAttribute(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatProto("b", [3, 4], t.Values(12)) });
        var mul = g.CreateNode("Mul", [t.Weight(g, "a", 3, 4), b.Output(0)], name: "mul");
        var add = g.CreateNode("Add", [x, mul.Output(0)], name: "add");

        var shape = g.CreateNode("Shape", [t.Weight(g, "shape_source", 2, 12)], name: "shape_of_initializer");
        var gather = g.CreateNode("Gather", [shape.Output(0), g.AddInitializer(Tensor.FromInt64s("index", [1], [1]))], name: "gather");
        var target = g.CreateNode("Concat", [g.AddInitializer(Tensor.FromInt64s("minus_one", [1], [-1])), gather.Output(0)], name: "target");
        target.SetInt("axis", 0);
        var flat = g.CreateNode("Reshape", [add.Output(0), target.Output(0)], name: "flat");

        var tile = g.CreateNode("Tile", [t.Weight(g, "tile_source", 4), g.AddInitializer(Tensor.FromInt64s("repeats", [1], [100_000]))], name: "tile");
        var mean = g.CreateNode("ReduceMean", [tile.Output(0)], name: "mean");
        mean.SetInt("keepdims", 0);
        var shifted = g.CreateNode("Add", [flat.Output(0), mean.Output(0)], name: "shifted");

        var back = g.CreateNode("Reshape", [shifted.Output(0), g.CreateNode("Shape", [x], name: "shape_of_x").Output(0)], name: "back");
        var q = g.AddInitializer(Tensor.FromArray("q", DataType.Int8, [4], new sbyte[] { -3, 7, 100, -128 }));
        var dq = g.CreateNode("DequantizeLinear", [q, g.AddInitializer(Tensor.FromFloats("scale", [], [0.01f])), g.AddInitializer(Tensor.FromArray("zero", DataType.Int8, [], new sbyte[] { 2 }))], name: "dq");
        var y = g.CreateNode("Add", [back.Output(0), dq.Output(0)], name: "y");
        PassTestModels.DeclareOutput(g, y.Output(0));
        return model;
    }

    private static TensorProto FloatProto(string name, long[] dims, float[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange(dims);
        return proto;
    }

    [TestMethod]
    public void ConstantSubexpressionsAreFoldedAndOutputsStayEqual()
    {
        var model = ModelWithConstantSubexpressions();
        var inputs = SyntheticInputs.For(model, new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(2, 3, 4) }, seed: 5);
        var expected = OutputComparison.Run(model, inputs);

        var report = Freeze(model, new OrtConstantEvaluator());

        var ops = model.Graph.Nodes.Select(n => n.OpType).ToList();
        foreach (var folded in new[] { "Constant", "Mul", "Gather", "Concat" }) CollectionAssert.DoesNotContain(ops, folded, string.Join(", ", ops));
        var shapeOfX = model.Graph.Nodes.Single(n => n.OpType == "Shape");
        Assert.AreEqual("x", shapeOfX.Input(0)!.Name, "Shape of the dynamic input is not constant");
        CollectionAssert.AreEqual(new long[] { -1, 12 }, model.Graph.FindNode("flat")!.Input(1)!.Initializer!.ToInt64s());
        Assert.AreEqual("target_out", model.Graph.FindNode("flat")!.Input(1)!.Name, "a folded value keeps its name");
        CollectionAssert.Contains(ops, "Tile");
        CollectionAssert.Contains(ops, "DequantizeLinear");
        Assert.IsTrue(report.Notes.Any(n => n.Contains("Tile 'tile'") && n.Contains("only grows the file")), string.Join("\n", report.Notes));
        Assert.IsTrue(report.Notes.Any(n => n.Contains("DequantizeLinear 'dq'") && n.Contains("undo the quantization")), string.Join("\n", report.Notes));
        Assert.AreEqual(0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));

        // The folded model survives a save and load.
        var reloaded = ModelLoader.Load(new MemoryStream(Google.Protobuf.MessageExtensions.ToByteArray(ModelWriter.ToProto(model))), "reloaded");
        Assert.AreEqual(0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(reloaded, inputs)));
    }

    [TestMethod]
    public void ABroadcastMadeConcreteIsNotFoldedSoFreezeNeverGrowsTheFile()
    {
        // BlazeFace pads channels by concatenating zeros from ConstantOfShape: folded, the zeros
        // (here 24×32×32 floats, 96 KiB) would be stored in the file. A small Range (position
        // indices) still folds.
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 8, 32, 32], [null, null, null, null]);
        var zeros = g.CreateNode("ConstantOfShape", [g.AddInitializer(Tensor.FromInt64s("pad_shape", [4], [1, 24, 32, 32]))], name: "zeros");
        var padded = g.CreateNode("Concat", [x, zeros.Output(0)], name: "pad_channels");
        padded.SetInt("axis", 1);
        var range = g.CreateNode("Range", [Scalar(g, "start", 0), Scalar(g, "limit", 32), Scalar(g, "delta", 1)], name: "positions");
        var cast = g.CreateNode("Cast", [range.Output(0)], name: "positions_float");
        cast.SetInt("to", (long)DataType.Float);
        var y = g.CreateNode("Add", [padded.Output(0), cast.Output(0)], name: "y");
        PassTestModels.DeclareOutput(g, y.Output(0));
        var inputs = SyntheticInputs.For(model, new Dictionary<string, TensorShape>(), seed: 3);
        var expected = OutputComparison.Run(model, inputs);
        long before = Google.Protobuf.MessageExtensions.ToByteArray(ModelWriter.ToProto(model)).Length;

        var report = Freeze(model, new OrtConstantEvaluator());

        long after = Google.Protobuf.MessageExtensions.ToByteArray(ModelWriter.ToProto(model)).Length;
        var ops = model.Graph.Nodes.Select(n => n.OpType).ToList();
        CollectionAssert.Contains(ops, "ConstantOfShape", string.Join("\n", report.Notes));
        CollectionAssert.DoesNotContain(ops, "Range", "32 positions are shape arithmetic, small enough to fold");
        Assert.IsTrue(report.Notes.Any(n => n.Contains("ConstantOfShape 'zeros'") && n.Contains("only grows the file")), string.Join("\n", report.Notes));
        Assert.IsLessThanOrEqualTo(before, after, $"{before} → {after} bytes");
        Assert.AreEqual(0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }

    private static Value Scalar(Graph g, string name, long value) => g.AddInitializer(Tensor.FromInt64s(name, [], [value]));

    [TestMethod]
    public void WithoutAnEvaluatorNothingIsEvaluatedAndTheNotesSayWhy()
    {
        var model = ModelWithConstantSubexpressions();
        var report = Freeze(model, evaluator: null);
        CollectionAssert.Contains(model.Graph.Nodes.Select(n => n.OpType).ToList(), "Mul");
        CollectionAssert.Contains(model.Graph.Nodes.Select(n => n.OpType).ToList(), "Gather");
        Assert.IsTrue(report.Notes.Any(n => n.Contains("no constant evaluator")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void FreezeShrinksPaddleOcrDetectorAndKeepsItsOutput()
    {
        var model = ModelLoader.Load(RealModelFiles.Require(RealModels.Detector));
        var inputs = SyntheticInputs.For(model, RealModelFiles.InputShapes(RealModels.Detector), seed: 6);
        var expected = OutputComparison.Run(model, inputs);
        int before = model.Graph.NodeCount;

        var report = Freeze(model, new OrtConstantEvaluator());

        Assert.IsLessThan(before, model.Graph.NodeCount, string.Join("\n", report.Notes.Take(20)));
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType == "Constant"));
        Assert.IsLessThan(1e-5, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }
}
