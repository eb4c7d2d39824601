using ModelOpt.Engine.IR;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class UnstructuredPruneTests
{
    private static Model ConvGemm()
    {
        var t = new PruneTestNets(11);
        var model = PruneTestNets.Empty(out var g, out var x);
        var conv = t.Conv(g, x, "conv", 8, 3, 3);
        var flat = g.CreateNode("Flatten", [g.CreateNode("Relu", [conv.Output()]).Output()], name: "flatten");
        var gemm = g.CreateNode("Gemm", [flat.Output(), t.Weight(g, "fc.weight", 8 * 64, 10)], name: "fc");
        PassTestModels.DeclareOutput(g, gemm.Output());
        return model;
    }

    private static int Zeros(Model model, string node) => model.Graph.FindNode(node)!.Input(1)!.ConstantValue!.Span<float>().Count(0f);

    [TestMethod]
    public void LayerScopeReachesTheExactSparsityInEveryWeightAndTheModelStillRuns()
    {
        var model = ConvGemm();
        var inputs = SyntheticInputs.For(model, seed: 1);
        var report = PrunePassTests.Prune(model, """{ "prune": { "mode": "unstructured", "ratio": 0.3 } }""");

        Assert.AreEqual((int)Math.Round(0.3 * 8 * 27), Zeros(model, "conv"));
        Assert.AreEqual((int)Math.Round(0.3 * 512 * 10), Zeros(model, "fc"));
        CollectionAssert.AreEqual(new long[] { 8, 3, 3, 3 }, model.Graph.FindNode("conv")!.Input(1)!.ConstantValue!.Dims, "shapes do not change");
        var outputs = OutputComparison.Run(model, inputs);
        CollectionAssert.AreEqual(new long[] { 1, 10 }, outputs[0].Shape);
        Assert.IsTrue(outputs[0].ToFloats().All(float.IsFinite));
        Assert.IsTrue(report.Notes.Any(n => n.Contains("not a speed win on ONNX Runtime")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void GlobalScopeZeroesTheSmallestWeightsOfTheWholeModel()
    {
        var model = ConvGemm();
        var magnitudes = new[] { "conv", "fc" }.SelectMany(n => model.Graph.FindNode(n)!.Input(1)!.ConstantValue!.ToFloats()).Select(MathF.Abs).Order().ToArray();
        int k = (int)Math.Round(0.6 * magnitudes.Length);

        PrunePassTests.Prune(model, """{ "prune": { "mode": "unstructured", "ratio": 0.6, "scope": "global" } }""");

        Assert.AreEqual(k, Zeros(model, "conv") + Zeros(model, "fc"));
        float threshold = magnitudes[k - 1];
        foreach (string n in new[] { "conv", "fc" })
            foreach (float w in model.Graph.FindNode(n)!.Input(1)!.ConstantValue!.Span<float>())
                Assert.IsTrue(w == 0 || MathF.Abs(w) >= threshold);
        OutputComparison.Run(model, SyntheticInputs.For(model, seed: 2));
    }
}
