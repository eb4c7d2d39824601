using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Shapes;

[TestClass]
public sealed class TensorOpShapeTests
{
    [TestMethod]
    [DataRow(new long[] { 8, 1, 6, 1 }, new long[] { 7, 1, 5 }, "8x7x6x5")]
    [DataRow(new long[] { 3 }, new long[] { 2, 1 }, "2x3")]
    [DataRow(new long[] { 1 }, new long[] { 4, 5 }, "4x5")]
    public void BinaryOpsBroadcast(long[] a, long[] b, string expected)
    {
        var h = new OpHarness();
        var add = h.Op("Add", h.Input("a", a), h.Input("b", b));
        Assert.AreEqual(expected, h.ShapeOf(add));
    }

    [TestMethod]
    public void IncompatibleBroadcastIsRecordedNotThrown()
    {
        var h = new OpHarness();
        var mul = h.Op("Mul", h.Input("a", 2, 3), h.Input("b", 4, 3));
        var result = h.Infer();
        Assert.IsNull(mul.Output().Shape);
        StringAssert.Contains(result.ReasonFor(mul), "cannot be broadcast");
    }

    [TestMethod]
    public void VariadicWhereAndComparisons()
    {
        var h = new OpHarness();
        var sum = h.Op("Sum", h.Input("a", 2, 1), h.Input("b", 1, 3), h.Input("c", 3));
        var less = h.Op("Less", h.Input("d", 4, 1), h.Input("e", 5));
        var where = h.Op("Where", less.Output(), h.Input("f", 1), h.Input("g", 4, 5));
        Assert.AreEqual("2x3", h.ShapeOf(sum));
        Assert.AreEqual(DataType.Bool, less.Output().ElementType);
        Assert.AreEqual("4x5", where.Output().Shape!.ToString());
        Assert.AreEqual(DataType.Float, where.Output().ElementType);
    }

    [TestMethod]
    [DataRow(new long[] { 2, 3, 4 }, new long[] { 4, 5 }, "2x3x5")]
    [DataRow(new long[] { 4 }, new long[] { 4, 5 }, "5")]
    [DataRow(new long[] { 2, 3, 4 }, new long[] { 4 }, "2x3")]
    [DataRow(new long[] { 4 }, new long[] { 4 }, "scalar")]
    [DataRow(new long[] { 1, 6, 3, 4 }, new long[] { 5, 1, 4, 2 }, "5x6x3x2")]
    public void MatMulFollowsNumpy(long[] a, long[] b, string expected)
    {
        var h = new OpHarness();
        var mm = h.Op("MatMul", h.Input("a", a), h.Input("b", b));
        Assert.AreEqual(expected, h.ShapeOf(mm));
    }

    [TestMethod]
    public void GemmTransposes()
    {
        var h = new OpHarness();
        var gemm = h.Op("Gemm", h.Input("a", 7, 3), h.Weight(10, 7), h.Weight(10));
        gemm.SetInt("transA", 1);
        gemm.SetInt("transB", 1);
        Assert.AreEqual("3x10", h.ShapeOf(gemm));
    }

    [TestMethod]
    [DataRow(new long[] { 0, -1 }, 0L, "2x60")]
    [DataRow(new long[] { -1, 4 }, 0L, "30x4")]
    [DataRow(new long[] { 2, 0, 4, 5 }, 0L, "2x3x4x5")]
    [DataRow(new long[] { 0, 3, 40 }, 1L, "0x3x40")]
    public void ReshapeZeroAndMinusOne(long[] target, long allowZero, string expected)
    {
        var h = new OpHarness();
        var reshape = h.Op("Reshape", h.Input("x", 2, 3, 4, 5), h.Ints(target));
        if (allowZero != 0) reshape.SetInt("allowzero", 1);
        Assert.AreEqual(expected, h.ShapeOf(reshape));
    }

    [TestMethod]
    public void ReshapeBeforeOpset5UsesTheAttribute()
    {
        var h = new OpHarness(opset: 4);
        var reshape = h.Op("Reshape", h.Input("x", 2, 3, 4));
        reshape.SetInts("shape", [-1, 12]);
        Assert.AreEqual("2x12", h.ShapeOf(reshape));
    }

    [TestMethod]
    public void FlattenTransposeDepthToSpace()
    {
        var h = new OpHarness();
        var x = h.Input("x", 2, 8, 4, 6);
        var flatten = h.Op("Flatten", x);
        flatten.SetInt("axis", 2);
        var transpose = h.Op("Transpose", x);
        transpose.SetInts("perm", [0, 2, 3, 1]);
        var reversed = h.Op("Transpose", x);
        var d2s = h.Op("DepthToSpace", x);
        d2s.SetInt("blocksize", 2);
        var s2d = h.Op("SpaceToDepth", x);
        s2d.SetInt("blocksize", 2);
        h.Infer();
        Assert.AreEqual("16x24", flatten.Output().Shape!.ToString());
        Assert.AreEqual("2x4x6x8", transpose.Output().Shape!.ToString());
        Assert.AreEqual("6x4x8x2", reversed.Output().Shape!.ToString());
        Assert.AreEqual("2x2x8x12", d2s.Output().Shape!.ToString());
        Assert.AreEqual("2x32x2x3", s2d.Output().Shape!.ToString());
    }

    [TestMethod]
    public void SqueezeAndUnsqueezeTakeAxesFromAttributesBefore13AndInputsSince()
    {
        var old = new OpHarness(opset: 11);
        var sq = old.Op("Squeeze", old.Input("x", 1, 3, 1, 5));
        sq.SetInts("axes", [-2]);
        var unsq = old.Op("Unsqueeze", old.Input("y", 3, 5));
        unsq.SetInts("axes", [0, 3]);
        old.Infer();
        Assert.AreEqual("1x3x5", sq.Output().Shape!.ToString());
        Assert.AreEqual("1x3x5x1", unsq.Output().Shape!.ToString());

        var h = new OpHarness(opset: 13);
        var sq13 = h.Op("Squeeze", h.Input("x", 1, 3, 1, 5), h.Ints(0));
        var sqAll = h.Op("Squeeze", h.Input("z", 1, 3, 1, 5));
        var unsq13 = h.Op("Unsqueeze", h.Input("y", 3, 5), h.Ints(-1, 1));
        h.Infer();
        Assert.AreEqual("3x1x5", sq13.Output().Shape!.ToString());
        Assert.AreEqual("3x5", sqAll.Output().Shape!.ToString());
        Assert.AreEqual("3x1x5x1", unsq13.Output().Shape!.ToString());
    }

    [TestMethod]
    public void ConcatAndSplit()
    {
        var h = new OpHarness(opset: 18);
        var concat = h.Op("Concat", h.Input("a", 2, 3, 4), h.Input("b", 2, 5, 4));
        concat.SetInt("axis", -2);
        var split = h.Op("Split", 2, concat.Output(), h.Ints(6, 2));
        split.SetInt("axis", 1);
        var even = h.Op("Split", 3, h.Input("c", 10, 2));
        even.SetInt("num_outputs", 3);
        h.Infer();
        Assert.AreEqual("2x8x4", concat.Output().Shape!.ToString());
        Assert.AreEqual("2x6x4", split.Outputs[0]!.Shape!.ToString());
        Assert.AreEqual("2x2x4", split.Outputs[1]!.Shape!.ToString());
        Assert.AreEqual("4x2|4x2|2x2", string.Join('|', even.Outputs.Select(o => o!.Shape)));

        var old = new OpHarness(opset: 11);
        var splitAttr = old.Op("Split", 2, old.Input("x", 7, 3));
        splitAttr.SetInts("split", [3, 4]);
        old.Infer();
        Assert.AreEqual("3x3|4x3", string.Join('|', splitAttr.Outputs.Select(o => o!.Shape)));
    }

    [TestMethod]
    [DataRow(new long[] { 1 }, new long[] { -1 }, new long[] { 1 }, new long[] { 1 }, "2x8x4")] // 1..−1 of 10
    [DataRow(new long[] { -3 }, new long[] { long.MaxValue }, new long[] { 1 }, new long[] { 1 }, "2x3x4")]
    [DataRow(new long[] { -100 }, new long[] { 100 }, new long[] { -1 }, new long[] { 2 }, "2x10x2")] // clamped, step 2
    [DataRow(new long[] { -1 }, new long[] { long.MinValue }, new long[] { 1 }, new long[] { -1 }, "2x10x4")] // reversed
    [DataRow(new long[] { 8, 0 }, new long[] { 2, 1 }, new long[] { 1, 0 }, new long[] { -2, 1 }, "1x3x4")]
    public void SliceNegativeClampedAndStepped(long[] starts, long[] ends, long[] axes, long[] steps, string expected)
    {
        var h = new OpHarness();
        var slice = h.Op("Slice", h.Input("x", 2, 10, 4), h.Ints(starts), h.Ints(ends), h.Ints(axes), h.Ints(steps));
        Assert.AreEqual(expected, h.ShapeOf(slice));
    }

    [TestMethod]
    public void SliceBeforeOpset10UsesAttributes()
    {
        var h = new OpHarness(opset: 9);
        var slice = h.Op("Slice", h.Input("x", 2, 10, 4));
        slice.SetInts("starts", [2]);
        slice.SetInts("ends", [-2]);
        slice.SetInts("axes", [1]);
        Assert.AreEqual("2x6x4", h.ShapeOf(slice));
    }

    [TestMethod]
    public void GatherFamily()
    {
        var h = new OpHarness();
        var data = h.Input("data", 5, 6, 7);
        var gather = h.Op("Gather", data, h.Graph.AddInitializer(Tensor.FromInt64s("idx", [2, 3], new long[6])));
        gather.SetInt("axis", 1);
        var scalarIndex = h.Op("Gather", data, h.Graph.AddInitializer(Tensor.FromInt64s("i0", [], [0])));
        var elements = h.Op("GatherElements", data, h.Graph.AddInput("ei", DataType.Int64, [5, 2, 7]));
        h.Infer();
        Assert.AreEqual("5x2x3x7", gather.Output().Shape!.ToString());
        Assert.AreEqual("6x7", scalarIndex.Output().Shape!.ToString());
        Assert.AreEqual("5x2x7", elements.Output().Shape!.ToString());
        Assert.AreEqual(DataType.Float, elements.Output().ElementType);
    }

    [TestMethod]
    public void PadExpandTile()
    {
        var h = new OpHarness();
        var pad = h.Op("Pad", h.Input("x", 1, 3, 4, 4), h.Ints(0, 0, 1, 2, 0, 0, 3, 4));
        var expand = h.Op("Expand", h.Input("y", 3, 1), h.Ints(2, 1, 6));
        var tile = h.Op("Tile", h.Input("z", 2, 3), h.Ints(3, 2));
        h.Infer();
        Assert.AreEqual("1x3x8x10", pad.Output().Shape!.ToString());
        Assert.AreEqual("2x3x6", expand.Output().Shape!.ToString());
        Assert.AreEqual("6x6", tile.Output().Shape!.ToString());

        var old = new OpHarness(opset: 10);
        var padAttr = old.Op("Pad", old.Input("x", 1, 3, 4, 4));
        padAttr.SetInts("pads", [0, 0, 1, 1, 0, 0, 1, 1]);
        Assert.AreEqual("1x3x6x6", old.ShapeOf(padAttr));
    }

    [TestMethod]
    public void ResizeByScalesOrSizesAcrossOpsets()
    {
        var h = new OpHarness(opset: 13);
        var x = h.Input("x", 1, 3, 10, 10);
        var byScales = h.Op("Resize", x, null, h.Floats(1, 1, 2, 1.5f));
        var bySizes = h.Op("Resize", x, h.Floats(), h.Floats(), h.Ints(1, 3, 7, 9));
        h.Infer();
        Assert.AreEqual("1x3x20x15", byScales.Output().Shape!.ToString());
        Assert.AreEqual("1x3x7x9", bySizes.Output().Shape!.ToString());

        var v10 = new OpHarness(opset: 10);
        var resize10 = v10.Op("Resize", v10.Input("x", 1, 3, 10, 10), v10.Floats(1, 1, 2, 2));
        Assert.AreEqual("1x3x20x20", v10.ShapeOf(resize10));

        var v8 = new OpHarness(opset: 8);
        var up = v8.Op("Upsample", v8.Input("x", 1, 3, 10, 10));
        up.SetAttribute(new Onnx.AttributeProto { Name = "scales", Type = Onnx.AttributeProto.Types.AttributeType.Floats, Floats = { 1, 1, 3, 3 } });
        Assert.AreEqual("1x3x30x30", v8.ShapeOf(up));
    }

    [TestMethod]
    public void ReductionsArgMaxTopK()
    {
        var h = new OpHarness(opset: 18);
        var x = h.Input("x", 2, 3, 4);
        var mean = h.Op("ReduceMean", x, h.Ints(1));
        var sum = h.Op("ReduceSum", x, h.Ints(-1));
        sum.SetInt("keepdims", 0);
        var all = h.Op("ReduceMax", x);
        all.SetInt("keepdims", 0);
        var argmax = h.Op("ArgMax", x);
        argmax.SetInt("axis", 2);
        argmax.SetInt("keepdims", 0);
        var topk = h.Op("TopK", 2, x, h.Ints(3));
        topk.SetInt("axis", 1);
        h.Infer();
        Assert.AreEqual("2x1x4", mean.Output().Shape!.ToString());
        Assert.AreEqual("2x3", sum.Output().Shape!.ToString());
        Assert.AreEqual("scalar", all.Output().Shape!.ToString());
        Assert.AreEqual("2x3", argmax.Output().Shape!.ToString());
        Assert.AreEqual(DataType.Int64, argmax.Output().ElementType);
        Assert.AreEqual("2x3x4", topk.Outputs[1]!.Shape!.ToString());

        var old = new OpHarness(opset: 11);
        var meanAttr = old.Op("ReduceMean", old.Input("x", 2, 3, 4));
        meanAttr.SetInts("axes", [0, 2]);
        Assert.AreEqual("1x3x1", old.ShapeOf(meanAttr));
    }

    [TestMethod]
    [DataRow("bij,bjk->bik", new long[] { 2, 3, 4 }, new long[] { 2, 4, 5 }, "2x3x5")]
    [DataRow("ij,jk", new long[] { 3, 4 }, new long[] { 4, 5 }, "3x5")]
    [DataRow("...ij,...jk->...ik", new long[] { 7, 3, 4 }, new long[] { 1, 4, 5 }, "7x3x5")]
    [DataRow("bhqd,bhkd->bhqk", new long[] { 1, 8, 16, 64 }, new long[] { 1, 8, 16, 64 }, "1x8x16x16")]
    public void EinsumPatterns(string equation, long[] a, long[] b, string expected)
    {
        var h = new OpHarness();
        var einsum = h.Op("Einsum", h.Input("a", a), h.Input("b", b));
        einsum.SetString("equation", equation);
        Assert.AreEqual(expected, h.ShapeOf(einsum));
    }

    [TestMethod]
    public void NormalisationsActivationsAndQuantization()
    {
        var h = new OpHarness();
        var x = h.Input("x", 1, 4, 5, 5);
        var bn = h.Op("BatchNormalization", x, h.Weight(4), h.Weight(4), h.Weight(4), h.Weight(4));
        var ln = h.Op("LayerNormalization", x, h.Weight(5), h.Weight(5));
        var hs = h.Op("HardSwish", bn.Output());
        var softmax = h.Op("Softmax", hs.Output());
        var q = h.Op("QuantizeLinear", softmax.Output(), h.Floats(0.1f),
            h.Graph.AddInitializer(Tensor.FromArray("zp", DataType.Int8, [], new sbyte[] { 0 })));
        var dq = h.Op("DequantizeLinear", q.Output(), h.Floats(0.1f));
        h.Infer();
        Assert.AreEqual("1x4x5x5", ln.Output().Shape!.ToString());
        Assert.AreEqual(DataType.Int8, q.Output().ElementType);
        Assert.AreEqual(DataType.Float, dq.Output().ElementType);
        Assert.AreEqual("1x4x5x5", dq.Output().Shape!.ToString());
    }

    [TestMethod]
    public void AnUnknownOpLeavesItsOutputsUnknownWithAReason()
    {
        var h = new OpHarness();
        var custom = h.Graph.CreateNode("FancyAttention", [h.Input("x", 1, 8)], domain: "com.example");
        var after = h.Op("Relu", custom.Output());
        var result = h.Infer();
        Assert.IsNull(custom.Output().Shape);
        Assert.AreEqual(ShapeSource.Unknown, custom.Output().ShapeSource);
        StringAssert.Contains(result.ReasonFor(custom), "com.example:FancyAttention");
        StringAssert.Contains(result.ReasonFor(after), "unknown");
    }

    [TestMethod]
    public void RuntimeProviderFillsWhatStaticInferenceLeftUnknown()
    {
        var h = new OpHarness();
        var custom = h.Graph.CreateNode("FancyAttention", [h.Input("x", 1, 8)], domain: "com.example");
        var relu = h.Op("Relu", custom.Output());
        var provider = new RecordingProvider(new Dictionary<string, (DataType, TensorShape)>
        {
            [custom.Output().Name] = (DataType.Float, TensorShape.Of(1, 16)),
            [relu.Output().Name] = (DataType.Float, TensorShape.Of(1, 16)),
        });
        var result = Engine.Shapes.ShapeInference.Run(h.Model, Engine.Shapes.ShapeBindings.None, provider);
        Assert.AreEqual(1, provider.Calls);
        Assert.AreEqual("1x8", provider.SeenInputs["x"].ToString());
        Assert.AreEqual(ShapeSource.Runtime, custom.Output().ShapeSource);
        Assert.AreEqual("1x16", relu.Output().Shape!.ToString());
        Assert.AreEqual(2, result.RuntimeFilled);
    }

    /// <summary>Answers from a table and records how it was called (the real one runs ONNX Runtime).</summary>
    private sealed class RecordingProvider(IReadOnlyDictionary<string, (DataType, TensorShape)> answers) : Analysis.IRuntimeShapeProvider
    {
        public int Calls { get; private set; }

        public IReadOnlyDictionary<string, TensorShape> SeenInputs { get; private set; } = new Dictionary<string, TensorShape>();

        public IReadOnlyDictionary<string, (DataType Type, TensorShape Shape)> Observe(Model model, IReadOnlyDictionary<string, TensorShape> inputShapes)
        {
            Calls++;
            SeenInputs = inputShapes;
            return answers;
        }
    }
}
