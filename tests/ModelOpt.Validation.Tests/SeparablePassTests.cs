using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation;
using ModelOpt.Engine.Passes.Separable;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class SeparablePassTests
{
    private static PassReport Separate(Model model, string config) =>
        new PassPipeline([new SeparablePass()]).Run(model, new PassContext("test.onnx") { Config = OptimizeConfig.Parse(config) }).Single();

    private static Model ConvModel(float[] weights, int cout, int cin, int k, Action<Node>? configure = null)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, cin, 12, 12]);
        var w = g.AddInitializer(Tensor.FromFloats("w", [cout, cin, k, k], weights));
        var b = g.AddInitializer(Tensor.FromFloats("b", [cout], Enumerable.Range(0, cout).Select(i => 0.1f * i).ToArray()));
        var conv = g.CreateNode("Conv", [x, w, b], name: "conv");
        configure?.Invoke(conv);
        PassTestModels.DeclareOutput(g, conv.Output(0));
        return model;
    }

    [TestMethod]
    public void FullRankFactorizationEqualsTheOriginal()
    {
        var t = new PassTestModels(7);
        var model = ConvModel(t.Values(16 * 6 * 9), 16, 6, 3, conv =>
        {
            conv.SetInts("strides", [2, 2]);
            conv.SetInts("pads", [1, 0, 2, 1]);
            conv.SetInts("dilations", [1, 2]);
        });
        var inputs = SyntheticInputs.For(model, seed: 1);
        var expected = OutputComparison.Run(model, inputs);

        var report = Separate(model, """{ "separable": { "rank": 9 } }""");

        CollectionAssert.AreEqual(new[] { "Conv", "Conv" }, model.Graph.Nodes.Select(n => n.OpType).ToArray());
        Assert.AreEqual(6, model.Graph.Nodes.First().GetInt("group", 1));
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-4);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("rank 9 of 9")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void EnergyPicksTheTrueRankOfLowRankWeightsAndSavesMacs()
    {
        // Each input channel's Cout×9 slice is an exact rank-2 product, so 100% of the energy sits in 2 terms.
        const int cout = 32, cin = 4, k = 3;
        var t = new PassTestModels(8);
        var weights = new float[cout * cin * k * k];
        for (int c = 0; c < cin; c++)
        {
            var u = t.Values(cout * 2);
            var v = t.Values(2 * 9);
            for (int o = 0; o < cout; o++)
                for (int j = 0; j < 9; j++)
                    weights[(o * cin + c) * 9 + j] = u[o * 2] * v[j] + u[o * 2 + 1] * v[9 + j];
        }
        var model = ConvModel(weights, cout, cin, k);
        var inputs = SyntheticInputs.For(model, seed: 2);
        var expected = OutputComparison.Run(model, inputs);

        var report = Separate(model, """{ "separable": { "energy": 0.999 } }""");

        var depthwise = model.Graph.Nodes.First();
        Assert.AreEqual(cin * 2, depthwise.Input(1)!.Initializer!.Dims[0], "channel multiplier 2");
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-4);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("1152 → 328")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void LayersWhereTheRankDoesNotPayAreSkippedWithTheReason()
    {
        var t = new PassTestModels(9);
        var model = ConvModel(t.Values(4 * 3 * 9), 4, 3, 3);
        var report = Separate(model, """{ "separable": { "energy": 0.99 } }""");
        Assert.AreEqual(1, model.Graph.NodeCount);
        Assert.IsFalse(report.Changed);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("would not save MACs")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void NodesTheConfigLeavesAloneAreNotTouched()
    {
        var t = new PassTestModels(10);
        var model = ConvModel(t.Values(16 * 6 * 9), 16, 6, 3);
        var report = Separate(model, """{ "separable": { "rank": 1 }, "overrides": { "nodes": { "^conv$": { "separable": null } } } }""");
        Assert.AreEqual(1, model.Graph.NodeCount);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("left alone")));
    }
}
