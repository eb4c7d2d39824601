using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Shapes;

/// <summary>Exporters compute Reshape targets from Shape at run time; inference must fold those chains.</summary>
[TestClass]
public sealed class ShapeFoldingTests
{
    // PyTorch's x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape.
    private static (OpHarness H, Node Reshape) FlattenByShapeChain(long opset)
    {
        var h = new OpHarness(opset);
        var x = h.SymbolicInput("x", DataType.Float, "batch", "16", "7", "7");
        var shape = h.Op("Shape", x);
        var batch = h.Op("Gather", shape.Output(), h.Graph.AddInitializer(Tensor.FromInt64s("zero", [], [0])));
        var unsqueezed = opset >= 13 ? h.Op("Unsqueeze", batch.Output(), h.Ints(0)) : h.Op("Unsqueeze", batch.Output());
        if (opset < 13) unsqueezed.SetInts("axes", [0]);
        var target = h.Op("Concat", unsqueezed.Output(), h.Ints(-1));
        target.SetInt("axis", 0);
        return (h, h.Op("Reshape", x, target.Output()));
    }

    [TestMethod]
    [DataRow(11L)]
    [DataRow(13L)]
    public void ShapeGatherConcatReshapeFoldsWithABoundBatch(long opset)
    {
        var (h, reshape) = FlattenByShapeChain(opset);
        h.Infer(ShapeBindings.Parse(["x=4x16x7x7"]));
        Assert.AreEqual("4x784", reshape.Output().Shape!.ToString());
        var target = reshape.Inputs[1]!;
        CollectionAssert.AreEqual(new long[] { 4, -1 }, target.KnownValue!.ToInt64s());
        Assert.AreEqual(ShapeSource.Inferred, reshape.Output().ShapeSource);
    }

    [TestMethod]
    public void ShapeGatherConcatReshapeFoldsWithTheDefaultedSymbolicBatch()
    {
        var (h, reshape) = FlattenByShapeChain(17);
        var result = h.Infer();
        Assert.AreEqual("1x784", reshape.Output().Shape!.ToString());
        Assert.IsTrue(result.Notes.Any(n => n.Contains("batch")));
        Assert.IsEmpty(result.Unresolved);
    }

    [TestMethod]
    public void ArithmeticOnShapesFolds()
    {
        // Paddle-style: spatial size halved through Cast/Div/Mul, target built with Concat.
        var h = new OpHarness();
        var x = h.Input("x", 2, 8, 6, 10);
        var shape = h.Op("Shape", x);
        var hw = h.Op("Slice", shape.Output(), h.Ints(2), h.Ints(long.MaxValue), h.Ints(0));
        var asFloat = h.Op("Cast", hw.Output());
        asFloat.SetInt("to", (long)DataType.Float);
        var half = h.Op("Div", asFloat.Output(), h.Floats(2));
        var back = h.Op("Cast", half.Output());
        back.SetInt("to", (long)DataType.Int64);
        var channels = h.Op("Mul", h.Ints(8), h.Ints(4));
        var target = h.Op("Concat", h.Ints(2), channels.Output(), back.Output());
        target.SetInt("axis", 0);
        var reshape = h.Op("Reshape", x, target.Output());
        Assert.AreEqual("2x32x3x5", h.ShapeOf(reshape));
    }

    [TestMethod]
    public void ConstantOfShapeRangeAndWhereFold()
    {
        var h = new OpHarness();
        var x = h.Input("x", 3, 5);
        var shape = h.Op("Shape", x);
        var ones = h.Op("ConstantOfShape", h.Ints(2));
        ones.SetAttribute(new Onnx.AttributeProto { Name = "value", Type = Onnx.AttributeProto.Types.AttributeType.Tensor, T = Int64Proto(1) });
        var isOne = h.Op("Equal", shape.Output(), ones.Output());
        var picked = h.Op("Where", isOne.Output(), h.Ints(-1, -1), shape.Output());
        var size = h.Op("Size", x);
        var range = h.Op("Range", h.Graph.AddInitializer(Tensor.FromInt64s("s", [], [0])), size.Output(),
            h.Graph.AddInitializer(Tensor.FromInt64s("d", [], [5])));
        h.Infer();
        CollectionAssert.AreEqual(new long[] { 3, 5 }, picked.Output().KnownValue!.ToInt64s());
        Assert.AreEqual("3", range.Output().Shape!.ToString());
        CollectionAssert.AreEqual(new long[] { 0, 5, 10 }, range.Output().KnownValue!.ToInt64s());
    }

    [TestMethod]
    public void AReshapeTargetThatIsNotConstantLeavesTheOutputUnknown()
    {
        var h = new OpHarness();
        var reshape = h.Op("Reshape", h.Input("x", 2, 3), h.Graph.AddInput("target", DataType.Int64, [2]));
        var result = h.Infer();
        Assert.IsNull(reshape.Output().Shape);
        StringAssert.Contains(result.ReasonFor(reshape), "not a known constant");
    }

    [TestMethod]
    public void IfBranchesAreInferredAndMerged()
    {
        var graph = new Onnx.GraphProto { Name = "main" };
        graph.Input.Add(Info("cond", DataType.Bool));
        graph.Input.Add(Info("x", DataType.Float, 2, 3));
        var node = new Onnx.NodeProto { OpType = "If", Name = "branch", Input = { "cond" }, Output = { "y" } };
        node.Attribute.Add(Branch("then_branch", "Relu", "t"));
        node.Attribute.Add(Branch("else_branch", "Sigmoid", "e"));
        graph.Node.Add(node);
        graph.Output.Add(Info("y", DataType.Float));
        var proto = new Onnx.ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new Onnx.OperatorSetIdProto { Version = 17 } } };
        var model = IO.ModelLoader.FromProto(proto, "if.onnx", fromFile: false);

        var result = ShapeInference.Run(model, ShapeBindings.None);
        Assert.IsEmpty(result.Unresolved);
        Assert.AreEqual("2x3", model.Graph.FindValue("y")!.Shape!.ToString());
    }

    private static Onnx.AttributeProto Branch(string name, string op, string output)
    {
        var body = new Onnx.GraphProto { Name = name };
        body.Node.Add(new Onnx.NodeProto { OpType = op, Name = output + "_node", Input = { "x" }, Output = { output } });
        body.Output.Add(Info(output, DataType.Float));
        return new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Graph, G = body };
    }

    private static Onnx.ValueInfoProto Info(string name, DataType type, params long[] dims)
    {
        var tensor = new Onnx.TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims.Length > 0 || type == DataType.Bool)
        {
            tensor.Shape = new Onnx.TensorShapeProto();
            foreach (long d in dims) tensor.Shape.Dim.Add(new Onnx.TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new Onnx.ValueInfoProto { Name = name, Type = new Onnx.TypeProto { TensorType = tensor } };
    }

    private static Onnx.TensorProto Int64Proto(long v)
    {
        var t = new Onnx.TensorProto { DataType = (int)DataType.Int64, Dims = { 1 } };
        t.Int64Data.Add(v);
        return t;
    }
}
