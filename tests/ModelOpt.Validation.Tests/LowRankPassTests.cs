using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.LowRank;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class LowRankPassTests
{
    private static Model GemmModel(float[] weights, int k, int n, bool transB)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [3, k]);
        var w = g.AddInitializer(Tensor.FromFloats("w", transB ? [n, k] : [k, n], weights));
        var b = g.AddInitializer(Tensor.FromFloats("b", [n], Enumerable.Range(0, n).Select(i => 0.1f * i).ToArray()));
        var gemm = g.CreateNode("Gemm", [x, w, b], name: "fc");
        if (transB) gemm.SetInt("transB", 1);
        gemm.SetFloat("alpha", 0.5f);
        PassTestModels.DeclareOutput(g, gemm.Output(0));
        return model;
    }

    private static PassReport Factorize(Model model, string config) =>
        new PassPipeline([new LowRankPass()]).Run(model, new PassContext("test.onnx") { Config = OptimizeConfig.Parse(config) }).Single();

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void FullRankFactorizationEqualsTheOriginal(bool transB)
    {
        var t = new PassTestModels(3);
        var model = GemmModel(t.Values(40 * 12), 40, 12, transB);
        var inputs = SyntheticInputs.For(model, seed: 1);
        var expected = OutputComparison.Run(model, inputs);

        var report = Factorize(model, """{ "lowrank": { "rank": 12 } }""");

        Assert.AreEqual(1, report.NodesTouched);
        CollectionAssert.AreEqual(new[] { "MatMul", "Gemm" }, model.Graph.Nodes.Select(n => n.OpType).ToArray());
        Assert.IsLessThan(1e-4, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }

    [TestMethod]
    public void LowRankSavesParametersAndApproximates()
    {
        var t = new PassTestModels(5);
        var model = GemmModel(t.Values(64 * 32), 64, 32, transB: true);
        var inputs = SyntheticInputs.For(model, seed: 2);
        var expected = OutputComparison.Run(model, inputs);

        var report = Factorize(model, """{ "lowrank": { "rank": 8 } }""");

        Assert.IsLessThan(report.Before.Parameters, report.After.Parameters);
        Assert.AreEqual(64 * 8 + 8 * 32 + 32, report.After.Parameters);
        Assert.IsGreaterThan(0.0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)), "rank 8 of 32 cannot be exact on random weights");
    }

    [TestMethod]
    public void TheRankEnergyPicksIsRecordedAndAReplayOfItWritesTheSameModel()
    {
        var t = new PassTestModels(5);
        float[] weights = t.Values(64 * 32);
        var model = GemmModel(weights, 64, 32, transB: true);
        var context = new PassContext("test.onnx") { Config = OptimizeConfig.Parse("""{ "lowrank": { "energy": 0.5 } }""") };
        new PassPipeline([new LowRankPass()]).Run(model, context);
        var decision = context.Decisions.Single();
        Assert.AreEqual(("fc", "lowrank"), (decision.Node, decision.Pass));
        int rank = decision.Settings!["rank"]!.GetValue<int>();
        Assert.IsTrue(rank is > 0 and < 32, $"energy 0.5 of random weights keeps some of the 32 ranks, not {rank}");

        // The recorded rank, given as the node's setting, is what a replay builds: the same bytes, and nothing to record again.
        var again = GemmModel(weights, 64, 32, transB: true);
        var replay = new PassContext("test.onnx") { Config = context.Config.WithNodeSettings([(decision.Node, decision.Pass, decision.Settings)]) };
        new PassPipeline([new LowRankPass()]).Run(again, replay);
        Assert.IsEmpty(replay.Decisions);
        byte[] Bytes(Model m) => Google.Protobuf.MessageExtensions.ToByteArray(Engine.IO.ModelWriter.ToProto(m));
        CollectionAssert.AreEqual(Bytes(model), Bytes(again));
    }

    [TestMethod]
    public void EnergyThatWouldNotSaveMacsLeavesTheLayerAlone()
    {
        var t = new PassTestModels(9);
        var model = GemmModel(t.Values(8 * 8), 8, 8, transB: false);
        var report = Factorize(model, """{ "lowrank": { "energy": 0.9999 } }""");
        Assert.AreEqual(0, report.NodesTouched);
        StringAssert.Contains(report.Notes.Single(), "would not save MACs");
    }
}
