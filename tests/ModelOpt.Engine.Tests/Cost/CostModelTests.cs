using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Tests.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Cost;

[TestClass]
public sealed class CostModelTests
{
    private static AnalysisReport Analyze(OpHarness h) => ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 1e9 });

    private static NodeCost CostOf(AnalysisReport report, Node node) => report.Nodes.Single(n => n.Name == node.Name);

    [TestMethod]
    public void DequantizingAWeightIsFreeButDequantizingAnActivationIsNot()
    {
        var h = new OpHarness();
        var weight = h.Graph.AddInitializer(Tensor.FromArray("w_q", DataType.Int8, [64, 32], new sbyte[64 * 32]));
        var scale = h.Floats(0.1f);
        var dqWeight = h.Op("DequantizeLinear", weight, scale);
        var x = h.Graph.AddInput("x_q", DataType.Uint8, [4, 64]);
        var dqActivation = h.Op("DequantizeLinear", x, scale);
        h.Op("MatMul", dqActivation.Output(0), dqWeight.Output(0));

        var report = Analyze(h);

        Assert.AreEqual(0, CostOf(report, dqWeight).Flops, "a quantized weight is dequantized once at load, not per run");
        Assert.AreEqual(2L * 4 * 64, CostOf(report, dqActivation).Flops);
    }

    [TestMethod]
    public void DepthwiseConvCostsCinTimesKernelPerOutputPixel()
    {
        var h = new OpHarness();
        var conv = h.Op("Conv", h.Input("x", 1, 32, 56, 56), h.Weight(32, 1, 3, 3));
        conv.SetInt("group", 32);
        conv.SetInts("pads", [1, 1, 1, 1]);
        var cost = CostOf(Analyze(h), conv);
        // N·Cout·(Cin/group)·Kh·Kw·Hout·Wout = 1·32·1·9·56·56
        Assert.AreEqual(32L * 9 * 56 * 56, cost.Macs);
        Assert.AreEqual(2 * cost.Macs, cost.Flops);
        Assert.AreEqual(32L * 9, cost.Parameters);
    }

    [TestMethod]
    public void GroupedConvTransposeAndBatchedMatMul()
    {
        var h = new OpHarness();
        var deconv = h.Op("ConvTranspose", h.Input("x", 2, 8, 10, 10), h.Weight(8, 3, 4, 4));
        deconv.SetInt("group", 2);
        deconv.SetInts("strides", [2, 2]);
        var mm = h.Op("MatMul", h.Input("a", 4, 1, 5, 6), h.Input("b", 3, 6, 7));
        var report = Analyze(h);
        // per input element: (Cout/group)·Kh·Kw = 3·16
        Assert.AreEqual(2L * 8 * 10 * 10 * 3 * 16, CostOf(report, deconv).Macs);
        // batch 4·3, M 5, K 6, N 7
        Assert.AreEqual(4L * 3 * 5 * 6 * 7, CostOf(report, mm).Macs);
    }

    [TestMethod]
    public void GemmBiasIsNotCountedAndEinsumContractionIs()
    {
        var h = new OpHarness();
        var gemm = h.Op("Gemm", h.Input("a", 3, 7), h.Weight(7, 10), h.Weight(10));
        var einsum = h.Op("Einsum", h.Input("q", 2, 8, 16), h.Input("k", 2, 8, 16));
        einsum.SetString("equation", "bqd,bkd->bqk");
        var report = Analyze(h);
        Assert.AreEqual(2L * 3 * 7 * 10, CostOf(report, gemm).Flops);
        Assert.AreEqual(7L * 10 + 10, CostOf(report, gemm).Parameters);
        Assert.AreEqual(2L * 8 * 8 * 16, CostOf(report, einsum).Macs);
    }

    [TestMethod]
    public void PoolingElementwiseAndDataMovementFollowTheTable()
    {
        var h = new OpHarness();
        var x = h.Input("x", 1, 4, 8, 8);
        var pool = h.Op("MaxPool", x);
        pool.SetInts("kernel_shape", [2, 2]);
        pool.SetInts("strides", [2, 2]);
        var gap = h.Op("GlobalAveragePool", x);
        var sigmoid = h.Op("Sigmoid", x);
        var softmax = h.Op("Softmax", x);
        var bn = h.Op("BatchNormalization", x, h.Weight(4), h.Weight(4), h.Weight(4), h.Weight(4));
        var transpose = h.Op("Transpose", x);
        var report = Analyze(h);
        Assert.AreEqual(4L * 4 * 4, CostOf(report, pool).Flops);          // one per output element
        Assert.AreEqual(4L * 8 * 8, CostOf(report, gap).Flops);           // one per input element
        Assert.AreEqual(4 * 256L, CostOf(report, sigmoid).Flops);
        Assert.AreEqual(5 * 256L, CostOf(report, softmax).Flops);
        Assert.AreEqual(2 * 256L, CostOf(report, bn).Flops);
        Assert.AreEqual(0L, CostOf(report, bn).Macs);
        Assert.AreEqual(16L, CostOf(report, bn).Parameters);
        Assert.AreEqual(0L, CostOf(report, transpose).Flops);
        Assert.IsTrue(CostOf(report, transpose).IsKnownOp);
    }

    [TestMethod]
    public void AnUnknownCustomOpIsReportedUnknownNotZero()
    {
        var h = new OpHarness();
        var custom = h.Graph.CreateNode("FancyAttention", [h.Input("x", 1, 8), h.Weight(8, 8)], domain: "com.example", name: "attn");
        h.Op("Relu", custom.Output());
        var report = Analyze(h);
        var cost = CostOf(report, custom);
        Assert.IsFalse(cost.IsKnownOp);
        Assert.IsNull(cost.Macs);
        Assert.IsNull(cost.Flops);
        Assert.AreEqual(64L, cost.Parameters);
        CollectionAssert.AreEqual(new[] { "com.example:FancyAttention" }, report.UnknownOps.ToArray());
        Assert.IsTrue(report.Notes.Any(n => n.Contains("com.example:FancyAttention")));
        // The Relu after it is a known op whose cost cannot be computed without the shape.
        var relu = report.Nodes.Single(n => n.OpType == "Relu");
        Assert.IsTrue(relu.IsKnownOp);
        Assert.IsNull(relu.Flops);
        Assert.AreEqual(2, report.Shapes.Unknown);
    }

    [TestMethod]
    public void ConstantNodeWeightsCountAsParameters()
    {
        // PaddlePaddle keeps every weight in a Constant node rather than an initializer.
        var h = new OpHarness();
        var weight = h.Graph.CreateNode("Constant", [], name: "w");
        weight.SetAttribute(new Onnx.AttributeProto
        {
            Name = "value",
            Type = Onnx.AttributeProto.Types.AttributeType.Tensor,
            T = FloatProto("w", [16, 3, 3, 3]),
        });
        var bias = h.Graph.CreateNode("Constant", [], name: "b");
        bias.SetAttribute(new Onnx.AttributeProto { Name = "value", Type = Onnx.AttributeProto.Types.AttributeType.Tensor, T = FloatProto("b", [1, 16, 1, 1]) });
        var conv = h.Op("Conv", h.Input("x", 1, 3, 8, 8), weight.Output());
        var add = h.Op("Add", conv.Output(), bias.Output());
        var report = Analyze(h);
        Assert.AreEqual(16L * 27, CostOf(report, conv).Parameters);
        Assert.AreEqual(16L * 27 * 4, CostOf(report, conv).WeightBytes);
        Assert.AreEqual(16L, CostOf(report, add).Parameters);
        Assert.AreEqual(16L * 27 + 16, report.Totals.Parameters);
        Assert.AreEqual(0L, CostOf(report, weight).ActivationBytes);
        Assert.AreEqual(16L * 27 * 6 * 6, CostOf(report, conv).Macs);
    }

    [TestMethod]
    public void SharedWeightsCountOnceAndConfigurationConstantsNotAtAll()
    {
        var h = new OpHarness();
        var w = h.Weight(8, 8);
        var a = h.Op("MatMul", h.Input("a", 2, 8), w);
        var b = h.Op("MatMul", h.Input("b", 2, 8), w);
        var reshape = h.Op("Reshape", a.Output(), h.Ints(-1));
        var clip = h.Op("Clip", b.Output(), h.Floats(0), h.Floats(6));
        var report = Analyze(h);
        Assert.AreEqual(64L, report.Totals.Parameters);
        Assert.AreEqual(0L, CostOf(report, reshape).Parameters);
        Assert.AreEqual(0L, CostOf(report, clip).Parameters);
    }

    [TestMethod]
    public void EstimatedSecondsIsFlopsOverDeviceFlops()
    {
        var h = new OpHarness();
        h.Op("MatMul", h.Input("a", 10, 20), h.Weight(20, 30));
        var report = ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 2e6 });
        Assert.AreEqual(12_000L, report.Totals.Flops);
        Assert.AreEqual(12_000 / 2e6, report.Totals.EstimatedSeconds, 1e-15);
    }

    private static Onnx.TensorProto FloatProto(string name, long[] dims)
    {
        var t = new Onnx.TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(Enumerable.Repeat(0.5f, (int)dims.Aggregate(1L, (x, d) => x * d)));
        return t;
    }
}
