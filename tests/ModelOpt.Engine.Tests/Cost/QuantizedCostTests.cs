using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Tests.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Cost;

/// <summary>The int8 ops' counts (docs/flops.md, "Quantized ops"), each worked out by hand.</summary>
[TestClass]
public sealed class QuantizedCostTests
{
    private static AnalysisReport Analyze(OpHarness h) => ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 1e9 });

    private static NodeCost CostOf(AnalysisReport report, Node node) => report.Nodes.Single(n => n.Name == node.Name);

    private static Value Int8(OpHarness h, string name, params long[] dims) =>
        h.Graph.AddInitializer(Tensor.FromArray(name, DataType.Int8, dims, new sbyte[dims.Aggregate(1L, (a, d) => a * d)]));

    [TestMethod]
    public void DynamicQuantizeMatMulCountsItsIntegerMacsTheInputsQuantizationAndTheRescale()
    {
        var h = new OpHarness();
        var x = h.Input("x", 2, 16, 64);
        var bias = h.Graph.AddInitializer(Tensor.FromFloats("bias", [32], new float[32]));
        var node = h.Graph.CreateNode("DynamicQuantizeMatMul", [x, Int8(h, "w", 64, 32), h.Floats(new float[32]), Int8(h, "zp", 32), bias], domain: "com.microsoft");

        var report = Analyze(h);
        var cost = CostOf(report, node);

        // MACs: 2·16 rows · 64 · 32 = 65,536. FLOPs: 2·65,536 + 4·(2·16·64) quantizing x + 1·(2·16·32) rescaling = 131,072 + 8,192 + 1,024.
        Assert.AreEqual(65_536L, cost.Macs);
        Assert.AreEqual(140_288L, cost.Flops);
        Assert.AreEqual("2x16x32", cost.OutputShapes[0]);
        // The int8 weight and the bias are parameters; the per-column scales and zero points are not.
        Assert.AreEqual(64L * 32 + 32, cost.Parameters);
        Assert.AreEqual(0, report.UnknownOps.Count);
    }

    [TestMethod]
    public void MatMulIntegerToFloatCountsItsMacsAndTheRescaleOnly()
    {
        var h = new OpHarness();
        var a = h.Graph.AddInput("a", DataType.Uint8, [8, 48]);
        var node = h.Graph.CreateNode("MatMulIntegerToFloat", [a, Int8(h, "b", 48, 10), h.Floats(0.5f), h.Floats(0.25f)], domain: "com.microsoft");

        var cost = CostOf(Analyze(h), node);

        // 8·48·10 = 3,840 MACs; FLOPs 2·3,840 + 8·10 = 7,760 (A arrives quantized).
        Assert.AreEqual(3_840L, cost.Macs);
        Assert.AreEqual(7_760L, cost.Flops);
    }

    [TestMethod]
    public void DynamicQuantizeLstmCountsTheLstmPlusXAndTheHiddenStateQuantizedAtEveryStep()
    {
        var h = new OpHarness();
        var x = h.Input("x", 5, 2, 16);
        var node = h.Graph.CreateNode("DynamicQuantizeLSTM",
            [x, Int8(h, "w", 1, 16, 32), Int8(h, "r", 1, 8, 32), null, null, null, null, null, h.Floats(0.1f), Int8(h, "wz", 1), h.Floats(0.1f), Int8(h, "rz", 1)],
            outputCount: 3, domain: "com.microsoft");
        node.SetInt("hidden_size", 8);

        var cost = CostOf(Analyze(h), node);

        // units S·B·D·H = 5·2·1·8 = 80; MACs 80 · 4 gates · (16 + 8) = 7,680.
        // FLOPs 2·7,680 + 80·30 (no bias) + 4·(5·2·16 X elements + 80 hidden elements) = 15,360 + 2,400 + 960.
        Assert.AreEqual(7_680L, cost.Macs);
        Assert.AreEqual(18_720L, cost.Flops);
        Assert.AreEqual("5x1x2x8", cost.OutputShapes[0]);
    }

    [TestMethod]
    public void StandardInt8OpsAndAQdqPairCountAsDocumented()
    {
        var h = new OpHarness(13);
        var xq = h.Graph.AddInput("xq", DataType.Uint8, [1, 3, 10, 10]);
        var conv = h.Op("ConvInteger", xq, Int8(h, "cw", 4, 3, 3, 3));
        var a = h.Graph.AddInput("a", DataType.Uint8, [6, 20]);
        var matmul = h.Op("MatMulInteger", a, Int8(h, "mw", 20, 7));
        var f = h.Input("f", 6, 20);
        var dql = h.Op("DynamicQuantizeLinear", 3, f);
        var scale = h.Floats(0.1f);
        var zero = h.Graph.AddInitializer(Tensor.FromArray("z", DataType.Uint8, [], new byte[1]));
        var q = h.Op("QuantizeLinear", f, scale, zero);
        var dq = h.Op("DequantizeLinear", q.Output(0), scale, zero);
        var qconv = h.Op("QLinearConv", xq, scale, zero, Int8(h, "qw", 4, 3, 3, 3), scale, Int8(h, "qwz", 1), scale, zero);

        var report = Analyze(h);

        // ConvInteger: 1·4·8·8 outputs · 3·3·3 = 6,912 MACs, FLOPs 2·MACs; QLinearConv the same.
        Assert.AreEqual(6_912L, CostOf(report, conv).Macs);
        Assert.AreEqual(13_824L, CostOf(report, conv).Flops);
        Assert.AreEqual(6_912L, CostOf(report, qconv).Macs);
        // MatMulInteger: 6·20·7 = 840 MACs.
        Assert.AreEqual(840L, CostOf(report, matmul).Macs);
        // Per element of the 6·20 = 120: DynamicQuantizeLinear 4, QuantizeLinear 3, DequantizeLinear of an activation 2.
        Assert.AreEqual(480L, CostOf(report, dql).Flops);
        Assert.AreEqual(360L, CostOf(report, q).Flops);
        Assert.AreEqual(240L, CostOf(report, dq).Flops);
        Assert.IsTrue(report.Nodes.All(n => n.Flops is not null), string.Join("; ", report.Nodes.Select(n => n.Note)));
    }
}
