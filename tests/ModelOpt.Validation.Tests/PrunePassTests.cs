using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Engine.Passes.Prune;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class PrunePassTests
{
    internal static PassReport Prune(Model model, string config) =>
        new PassPipeline([new PrunePass()]).Run(model, new PassContext("test.onnx") { Config = OptimizeConfig.Parse(config) }).Single();

    private static long[] Dims(Graph g, string node, int input = 1) => g.FindNode(node)!.Input(input)!.ConstantValue!.Dims;

    private static void AssertSameOutputs(Model model, IReadOnlyList<TensorData> inputs, IReadOnlyList<TensorData> expected, PassReport report) =>
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-4, string.Join("\n", report.Notes));

    // conv → BN → PRelu → Mul by [C,1,1] → depthwise → Relu → Flatten → Gemm
    private static Model ChainWithDepthwiseAndFlattenGemm(out PruneTestNets t)
    {
        t = new PruneTestNets(1);
        var model = PruneTestNets.Empty(out var g, out var x);
        var conv = t.Conv(g, x, "convA", 8, 3, 3, 1, 4, 6, 7);
        var bn = t.ZeroPreservingBatchNorm(g, conv.Output(), 8, "bn");
        var prelu = g.CreateNode("PRelu", [bn.Output(), t.Constant(g, "slope", [8, 1, 1])], name: "prelu");
        var mul = g.CreateNode("Mul", [prelu.Output(), t.Constant(g, "gain", [1, 8, 1, 1])], name: "mul");
        var dw = g.CreateNode("Conv", [mul.Output(), t.ConvWeight(g, "dw.weight", 8, 1, 3)], name: "dw");
        dw.SetInt("group", 8);
        dw.SetInts("pads", [1, 1, 1, 1]);
        var relu = g.CreateNode("Relu", [dw.Output()], name: "relu");
        var flat = g.CreateNode("Flatten", [relu.Output()], name: "flatten");
        var gemm = g.CreateNode("Gemm", [flat.Output(), t.Weight(g, "fc.weight", 5, 8 * 64), t.Weight(g, "fc.bias", 5)], name: "fc");
        gemm.SetInt("transB", 1);
        PassTestModels.DeclareOutput(g, gemm.Output());
        return model;
    }

    // What a plan records of a prune: the channels each conv kept, applied as given on replay.
    private static (PassContext Context, byte[] Bytes) PruneRecorded(OptimizeConfig config)
    {
        var model = ChainWithDepthwiseAndFlattenGemm(out _);
        var context = new PassContext("test.onnx") { Config = config };
        new PassPipeline([new PrunePass()]).Run(model, context);
        return (context, Google.Protobuf.MessageExtensions.ToByteArray(Engine.IO.ModelWriter.ToProto(model)));
    }

    [TestMethod]
    public void KeptChannelsAreRecordedPerNodeAndAReplayKeepsExactlyThoseWithoutRankingAgain()
    {
        var config = OptimizeConfig.Parse("""{ "prune": { "ratio": 0.5 } }""");
        var (first, bytes) = PruneRecorded(config);
        var decision = first.Decisions.Single(d => d.Node == "convA");
        Assert.AreEqual("prune", decision.Pass);
        // The live channels of convA (1, 4, 6 and 7 are dead): what the L1 ranking kept.
        Assert.AreEqual("[0,2,3,5]", decision.Settings!["keep"]!.ToJsonString());
        Assert.AreEqual("keeps 4 channel(s)", decision.Label);

        // Replayed from the record: the same bytes.
        var replayed = config.WithNodeSettings(first.Decisions.Select(d => (d.Node, d.Pass, d.Settings)).ToList());
        CollectionAssert.AreEqual(bytes, PruneRecorded(replayed).Bytes);

        // A record is applied as given, not ranked again: keep channels 1 and 2 (1 is dead), whatever the ratio says.
        var model = ChainWithDepthwiseAndFlattenGemm(out _);
        var original = model.Graph.FindNode("convA")!.Input(1)!.ConstantValue!.ToFloats();
        var edited = config.WithNodeSettings([("convA", "prune", new System.Text.Json.Nodes.JsonObject { ["keep"] = new System.Text.Json.Nodes.JsonArray(1, 2) })]);
        new PassPipeline([new PrunePass()]).Run(model, new PassContext("test.onnx") { Config = edited });
        var weight = model.Graph.FindNode("convA")!.Input(1)!.ConstantValue!;
        CollectionAssert.AreEqual(new long[] { 2, 3, 3, 3 }, weight.Dims);
        CollectionAssert.AreEqual(original.Skip(27).Take(54).ToArray(), weight.ToFloats(), "channels 1 and 2 of the original, in order");

        // A channel the group does not have is an error naming the node.
        var wrong = config.WithNodeSettings([("convA", "prune", new System.Text.Json.Nodes.JsonObject { ["keep"] = new System.Text.Json.Nodes.JsonArray(0, 8) })]);
        var e = Assert.ThrowsExactly<ModelOptException>(() => PruneRecorded(wrong));
        StringAssert.Contains(e.Message, "prune 'keep' of node 'convA' names channel 8, and its group has 8 channels (0 to 7)");
    }

    [TestMethod]
    public void DeadChannelsAreRemovedThroughBnPreluMulDepthwiseAndFlattenGemmWithoutChangingTheOutput()
    {
        var model = ChainWithDepthwiseAndFlattenGemm(out _);
        var inputs = SyntheticInputs.For(model, seed: 3);
        var expected = OutputComparison.Run(model, inputs);

        var report = Prune(model, """{ "prune": { "ratio": 0.5 } }""");

        var g = model.Graph;
        CollectionAssert.AreEqual(new long[] { 4, 3, 3, 3 }, Dims(g, "convA"));
        CollectionAssert.AreEqual(new long[] { 4 }, Dims(g, "bn", 4));
        CollectionAssert.AreEqual(new long[] { 4, 1, 1 }, Dims(g, "prelu"));
        CollectionAssert.AreEqual(new long[] { 1, 4, 1, 1 }, Dims(g, "mul"));
        CollectionAssert.AreEqual(new long[] { 4, 1, 3, 3 }, Dims(g, "dw"));
        Assert.AreEqual(4, g.FindNode("dw")!.GetInt("group", 1));
        CollectionAssert.AreEqual(new long[] { 5, 4 * 64 }, Dims(g, "fc"));
        AssertSameOutputs(model, inputs, expected, report);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("convA: 8 → 4 channels")), string.Join("\n", report.Notes));
    }

    // x → c1, x → c2 (tied by Add) → Relu → Concat with c4 → c5 (left alone) → output
    private static Model ResidualAndConcat()
    {
        var t = new PruneTestNets(2);
        var model = PruneTestNets.Empty(out var g, out var x);
        var c1 = t.Conv(g, x, "c1", 8, 3, 3, 0, 3, 5, 6);
        var c2 = t.Conv(g, x, "c2", 8, 3, 1, 0, 3, 5, 6);
        var add = g.CreateNode("Add", [c1.Output(), c2.Output()], name: "add");
        var relu = g.CreateNode("Relu", [add.Output()], name: "relu");
        var c4 = t.Conv(g, x, "c4", 6, 3, 3, 1, 2, 3);
        var cat = g.CreateNode("Concat", [relu.Output(), c4.Output()], name: "cat");
        cat.SetInt("axis", 1);
        var c5 = t.Conv(g, cat.Output(), "c5", 4, 14, 1);
        PassTestModels.DeclareOutput(g, c5.Output());
        return model;
    }

    [TestMethod]
    public void ResidualAddTiesChannelsAndConcatMapsOffsets()
    {
        var model = ResidualAndConcat();
        var inputs = SyntheticInputs.For(model, seed: 4);
        var expected = OutputComparison.Run(model, inputs);

        var report = Prune(model, """{ "prune": { "ratio": 0.5 } }""");

        var g = model.Graph;
        CollectionAssert.AreEqual(new long[] { 4, 3, 3, 3 }, Dims(g, "c1"));
        CollectionAssert.AreEqual(new long[] { 4, 3, 1, 1 }, Dims(g, "c2"));
        CollectionAssert.AreEqual(new long[] { 3, 3, 3, 3 }, Dims(g, "c4"));
        CollectionAssert.AreEqual(new long[] { 4, 7, 1, 1 }, Dims(g, "c5"), "c5 reads 4 + 3 channels and keeps its own (a graph output)");
        AssertSameOutputs(model, inputs, expected, report);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("c5: skipped") && n.Contains("graph output")), string.Join("\n", report.Notes));
        Assert.IsTrue(report.Notes.Any(n => n.Contains("tied with 1 other conv")), string.Join("\n", report.Notes));
    }

    // A bias added as a broadcast constant (exporters of old opsets write conv + Add), zero on the dead channels.
    private static Value Bias(Graph g, string name, long[] dims, int[] dead)
    {
        var values = new PassTestModels(7).Values(8).Select(v => v + 1f).ToArray();
        foreach (int d in dead) values[d] = 0;
        return g.AddInitializer(Tensor.FromFloats(name, dims, values));
    }

    // x → c1 → Add [1,8,1,1] → Relu ─┬→ c2 → Add [8,1,1] → Add (residual) → Relu → c3 → output
    //                                └──────────────────────────┘
    private static Model ResidualWithBroadcastBiases(int[] dead)
    {
        var t = new PruneTestNets(4);
        var model = PruneTestNets.Empty(out var g, out var x, opset: 8);
        var c1 = t.Conv(g, x, "c1", 8, 3, 3, dead);
        var b1 = g.CreateNode("Add", [c1.Output(), Bias(g, "b1", [1, 8, 1, 1], dead)], name: "b1add");
        var r1 = g.CreateNode("Relu", [b1.Output()], name: "r1");
        var c2 = t.Conv(g, r1.Output(), "c2", 8, 8, 3, dead);
        var b2 = g.CreateNode("Add", [Bias(g, "b2", [8, 1, 1], dead), c2.Output()], name: "b2add");
        var plus = g.CreateNode("Add", [b2.Output(), r1.Output()], name: "plus");
        var r2 = g.CreateNode("Relu", [plus.Output()], name: "r2");
        var c3 = t.Conv(g, r2.Output(), "c3", 4, 8, 1);
        PassTestModels.DeclareOutput(g, c3.Output());
        return model;
    }

    private static ValueInfoProto Declared(Value v)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in v.Shape!.Dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim.Value!.Value });
        return new ValueInfoProto { Name = v.Name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)v.ElementType, Shape = shape } } };
    }

    [TestMethod]
    public void AResidualAddAfterBroadcastBiasesIsPrunedAndStillRunsTheSame()
    {
        int[] dead = [0, 3, 5, 6];
        var model = ResidualWithBroadcastBiases(dead);
        // As an exporter that writes value_info for every tensor (CNTK at opset 8 does) leaves it.
        ShapeInference.Run(model, ShapeBindings.None);
        foreach (var node in model.Graph.Nodes)
            if (!node.Output().IsGraphOutput) node.Output().Declaration = Declared(node.Output());
        var inputs = SyntheticInputs.For(model, seed: 6);
        var expected = OutputComparison.Run(model, inputs);

        var report = Prune(model, """{ "prune": { "ratio": 0.5 } }""");

        var g = model.Graph;
        CollectionAssert.AreEqual(new long[] { 4, 3, 3, 3 }, Dims(g, "c1"));
        CollectionAssert.AreEqual(new long[] { 1, 4, 1, 1 }, Dims(g, "b1add"));
        CollectionAssert.AreEqual(new long[] { 4, 4, 3, 3 }, Dims(g, "c2"));
        CollectionAssert.AreEqual(new long[] { 4, 1, 1 }, Dims(g, "b2add", 0));
        CollectionAssert.AreEqual(new long[] { 4, 4, 1, 1 }, Dims(g, "c3"));
        // The written value_info follows the channels, or ONNX Runtime reads 8 channels against 4.
        var written = Engine.IO.ModelWriter.ToProto(model).Graph.ValueInfo.ToDictionary(v => v.Name, v => v.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.AreEqual(4L, written[g.FindNode("r1")!.Output().Name], string.Join(", ", written));
        AssertSameOutputs(model, inputs, expected, report);
    }

    [TestMethod]
    public void StoredShapesFollowThePrunedChannels()
    {
        var model = ResidualAndConcat();
        ShapeInference.Run(model, ShapeBindings.None);
        Prune(model, """{ "prune": { "ratio": 0.5 } }""");

        var observed = new RuntimeShapeProvider().Observe(model, new Dictionary<string, TensorShape>());
        int compared = 0;
        foreach (var node in model.Graph.Nodes)
        {
            var v = node.Output();
            Assert.IsNotNull(v.Shape, v.Name);
            Assert.AreEqual(observed[v.Name].Shape, v.Shape, v.Name);
            compared++;
        }
        Assert.AreEqual(7, compared);
    }

    [TestMethod]
    public void ChannelsReachingAnOpTheAnalysisDoesNotFollowAreLeftWithTheReason()
    {
        var t = new PruneTestNets(3);
        var model = PruneTestNets.Empty(out var g, out var x);
        var conv7 = t.Conv(g, x, "conv7", 8, 3, 3);
        var shape = g.AddInitializer(Tensor.FromInt64s("shape", [2], [1, -1]));
        var reshape = g.CreateNode("Reshape", [conv7.Output(), shape], name: "reshape");
        var conv8 = t.Conv(g, x, "conv8", 8, 3, 3);
        var transpose = g.CreateNode("Transpose", [conv8.Output()], name: "transpose");
        transpose.SetInts("perm", [0, 2, 3, 1]);
        var conv9 = t.Conv(g, x, "conv9", 8, 3, 3);
        var grouped = g.CreateNode("Conv", [conv9.Output(), t.ConvWeight(g, "grouped.weight", 8, 4, 1)], name: "grouped");
        grouped.SetInt("group", 2);
        PassTestModels.DeclareOutput(g, reshape.Output());
        PassTestModels.DeclareOutput(g, transpose.Output());
        PassTestModels.DeclareOutput(g, grouped.Output());
        var inputs = SyntheticInputs.For(model, seed: 5);
        var expected = OutputComparison.Run(model, inputs);

        var report = Prune(model, """{ "prune": { "ratio": 0.5 } }""");

        Assert.IsFalse(report.Changed);
        string notes = string.Join("\n", report.Notes);
        StringAssert.Contains(notes, "conv7: skipped (8 channels kept), channels reach Reshape 'reshape', which maps channels unpredictably");
        StringAssert.Contains(notes, "conv8: skipped (8 channels kept), channels reach Transpose 'transpose'");
        StringAssert.Contains(notes, "conv9: skipped (8 channels kept), channels reach grouped Conv 'grouped'");
        Assert.AreEqual(0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }

    [TestMethod]
    public void RoundToKeepsMultiplesAndNeverFewerThanRoundTo()
    {
        var t = new PruneTestNets(4);
        var model = PruneTestNets.Empty(out var g, out var x, opset: 8);
        var a = t.Conv(g, x, "a", 24, 3, 3);
        var b = t.Conv(g, g.CreateNode("Relu", [a.Output()]).Output(), "b", 12, 24, 3);
        var c = t.Conv(g, b.Output(), "c", 5, 12, 1);
        PassTestModels.DeclareOutput(g, c.Output());

        var report = Prune(model, """{ "prune": { "ratio": 0.5, "roundTo": 8 }, "overrides": { "nodes": { "^b$": { "prune": { "ratio": 0.9 } } } } }""");

        Assert.AreEqual(16, Dims(g, "a")[0], "24 × 0.5 = 12 rounds to 16");
        Assert.AreEqual(8, Dims(g, "b")[0], "12 × 0.1 = 1.2 is raised to roundTo");
        Assert.AreEqual(8, Dims(g, "c")[1]);
        OutputComparison.Run(model, SyntheticInputs.For(model, seed: 6));
        Assert.IsTrue(report.Changed);
    }

    [TestMethod]
    public void NodesTheConfigLeavesAloneKeepTheirChannels()
    {
        var model = ChainWithDepthwiseAndFlattenGemm(out _);
        var report = Prune(model, """{ "prune": { "ratio": 0.5 }, "overrides": { "nodes": { "^convA$": { "prune": null } } } }""");
        Assert.AreEqual(8, Dims(model.Graph, "convA")[0]);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("left alone by the configuration")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void TargetFlopsPrunesUntilTheConvAndGemmFlopsFit()
    {
        var t = new PruneTestNets(5);
        var model = PruneTestNets.Empty(out var g, out var x, channels: 3, size: 16);
        var a = t.Conv(g, x, "a", 32, 3, 3);
        var b = t.Conv(g, g.CreateNode("Relu", [a.Output()]).Output(), "b", 32, 32, 3);
        var c = t.Conv(g, g.CreateNode("Relu", [b.Output()]).Output(), "c", 4, 32, 1);
        PassTestModels.DeclareOutput(g, c.Output());
        double before = LinearFlops(model);

        var report = Prune(model, $$"""{ "prune": { "targetFlops": {{before * 0.4}} } }""");

        double after = LinearFlops(model);
        Assert.IsTrue(after <= before * 0.4, $"{after} > {before * 0.4}\n{string.Join("\n", report.Notes)}");
        Assert.IsTrue(after > before * 0.2, "the smallest ratio that fits is taken, not the cap");
        OutputComparison.Run(model, SyntheticInputs.For(model, seed: 7));
    }

    private static double LinearFlops(Model model) =>
        Engine.Analysis.ModelAnalyzer.Analyze(model, new Engine.Analysis.AnalysisOptions { DeviceFlops = 1e9 }).Nodes
            .Where(n => n.OpType is "Conv" or "Gemm" or "MatMul").Sum(n => (double)n.Flops!.Value);

    [TestMethod]
    [DataRow("""{ "prune": { "ratio": 1.5 } }""", "'prune.ratio' must be in [0, 1)")]
    [DataRow("""{ "prune": { "mode": "random" } }""", "'prune.mode' must be one of \"structured\", \"unstructured\"")]
    [DataRow("""{ "prune": { "roundTo": 0 } }""", "'prune.roundTo' must be a whole number")]
    [DataRow("""{ "prune": { "importance": "l3" } }""", "'prune.importance'")]
    [DataRow("""{ "prune": { "scope": 3 } }""", "'prune.scope'")]
    [DataRow("""{ "prune": { "targetFlops": -1 } }""", "'prune.targetFlops' must be a positive number")]
    [DataRow("""{ "prune": { "ratios": 0.5 } }""", "unknown setting 'prune.ratios'")]
    [DataRow("""{ "overrides": { "opTypes": { "Conv": { "prune": { "ratio": "half" } } } } }""", "'prune.ratio' must be a number")]
    public void BadSettingsAreConfigErrorsNamingTheKey(string config, string expected)
    {
        var model = ChainWithDepthwiseAndFlattenGemm(out _);
        var e = Assert.ThrowsExactly<ModelOptException>(() => Prune(model, config));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, expected);
    }
}
