using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Optimizer.Search;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// Static int8's MatMul/Gemm layers as dynamic int8 or static, per layer: the pass builds either
/// (for real, on a small conv + MatMul + Gemm model, run in ONNX Runtime), its knobs offer dynamic
/// first and static as the alternative, and the search takes static for a layer only where it keeps
/// the budgets and the paired timing shows it faster (the trials' cosine and the timing faked).
/// </summary>
[TestClass]
public sealed class DynamicOrStaticMatMulTests
{
    private static string _path = "";
    private static SampleSet? _samples;

    [ClassInitialize]
    public static void Write(TestContext _)
    {
        _path = Path.Combine(Path.GetTempPath(), $"modelopt-dynmatmul-{Environment.ProcessId}.onnx");
        ModelWriter.Save(ConvThenMatMuls(), _path);
        _samples = SampleSet.Synthetic(ConvThenMatMuls(), 4, seed: 5);
    }

    [ClassCleanup]
    public static void Clean()
    {
        _samples?.Dispose();
        File.Delete(_path);
    }

    // x 1×3×8×8 → conv1 (8 channels) → Relu → Flatten → fc1 MatMul 512→16 → Relu → fc2 Gemm 16→4 (bias).
    private static Model ConvThenMatMuls()
    {
        var t = new PassTestModels(17);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w1", 8, 3, 3, 3), t.Weight(g, "b1", 8)], name: "conv1");
        conv.SetInts("pads", [1, 1, 1, 1]);
        var relu = g.CreateNode("Relu", [conv.Output(0)], name: "relu1");
        var flat = g.CreateNode("Flatten", [relu.Output(0)], name: "flatten");
        var fc1 = g.CreateNode("MatMul", [flat.Output(0), t.Weight(g, "w2", 512, 16)], name: "fc1");
        var relu2 = g.CreateNode("Relu", [fc1.Output(0)], name: "relu2");
        var fc2 = g.CreateNode("Gemm", [relu2.Output(0), t.Weight(g, "w3", 16, 4), t.Weight(g, "b3", 4)], name: "fc2");
        PassTestModels.DeclareOutput(g, fc2.Output(0));
        return model;
    }

    [TestMethod]
    public void StaticModeOffersEachMatMulAndGemmDynamicFirstThenStaticAsTheAlternative()
    {
        var context = new PassContext(_path) { Config = OptimizeConfig.Parse("""{ "quantize": {} }""") };
        var knobs = new QuantizePass().Knobs(ConvThenMatMuls(), context).ToDictionary(k => k.Node);

        Assert.AreEqual(1, knobs["conv1"].Ladder.Count, "a conv has no dynamic form");
        foreach (string node in new[] { "fc1", "fc2" })
        {
            var ladder = knobs[node].Ladder;
            Assert.AreEqual(2, ladder.Count, node);
            Assert.AreEqual(true, ladder[0].Settings["dynamicMatMul"]?.GetValue<bool>(), node);
            Assert.IsFalse(ladder[0].Alternative);
            Assert.IsTrue(ladder[1].Alternative, "static saves nothing more the cost model counts: weighed, not walked");
            Assert.IsFalse(((LocalChange.Quantized)ladder[0].Change).RoundsOutput, "dynamic int8 leaves its output float");
        }
        // The user's own choice is not offered again.
        var decided = new PassContext(_path) { Config = OptimizeConfig.Parse("""{ "quantize": { "dynamicMatMul": false } }""") };
        Assert.IsTrue(new QuantizePass().Knobs(ConvThenMatMuls(), decided).All(k => k.Ladder.Count == 1));
    }

    [TestMethod]
    public void APerNodeSettingMakesThatLayerDynamicAndTheRestStaticAndTheModelRuns()
    {
        var model = ConvThenMatMuls();
        var inputs = SyntheticInputs.For(model, seed: 7);
        var expected = RunInOnnxRuntime(model, inputs);

        var report = QuantizeRun.Quantize(model, """{ "quantize": { "allowSlower": true }, "overrides": { "nodes": { "^fc1$": { "quantize": { "dynamicMatMul": true } } } } }""", _samples);

        var nodes = model.Graph.Nodes;
        string notes = string.Join("\n", report.Notes);
        Assert.AreEqual("fc1_dynamic", nodes.Single(n => n.OpType == "DynamicQuantizeMatMul").Name, notes);
        Assert.IsTrue(nodes.Any(n => n.OpType == "Gemm" && n.Name == "fc2" && n.Input(0)?.Producer?.OpType == "DequantizeLinear"), $"fc2 stays static QDQ:\n{notes}");
        Assert.IsTrue(nodes.Any(n => n.OpType == "Conv" && n.Input(0)?.Producer?.OpType == "DequantizeLinear"), "the conv is static");
        var actual = RunInOnnxRuntime(model, inputs);
        Assert.IsTrue(CosineSimilarity.Of(expected[0].ToFloats(), actual[0].ToFloats()) >= 0.98);
    }

    [TestMethod]
    [DataRow(true, false, "fc1,fc2")]
    [DataRow(false, false, "")]
    [DataRow(true, true, "fc1")]
    public void TheSearchTakesStaticOnlyWhereItKeepsTheBudgetsAndTimesFaster(bool staticFaster, bool fc2StaticBreaks, string expectStatic)
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("--min-cosine", "0.9")]);
        var request = new SearchRequest(_path, OptimizeConfig.Empty, ["quantize"], budgets, new ValidationSettings(), TimeSpan.FromMinutes(5),
            PassRegistry.Default, new OrtActivationSource(_samples!, batchSize: 4))
        {
            Judge = trial => FakeTrials.WithCosine(trial, fc2StaticBreaks && trial.Settings.Any(s => s.Knob.Node == "fc2" && s.Knob.Ladder[s.Step].Alternative) ? 0.85 : 0.95, 4),
            // The layout with more static MatMul/Gemm layers times faster (or even); nothing else does.
            TimeStructure = (first, second) => staticFaster && Statics(second) > Statics(first) ? FakeTrials.Faster : FakeTrials.Even,
            TimeSegments = false,
        };

        var outcome = LayerSearch.Run(request);

        string log = string.Join("\n", outcome.Log);
        Assert.IsNull(outcome.Failure, log);
        var chain = ConvThenMatMuls().Graph;
        foreach (string node in new[] { "fc1", "fc2" })
        {
            var settings = outcome.Config.SettingsFor("quantize", chain.FindNode(node)!);
            Assert.IsNotNull(settings, $"{node} is int8 either way:\n{log}");
            bool isStatic = settings["dynamicMatMul"]?.GetValue<bool>() != true;
            Assert.AreEqual(expectStatic.Split(',').Contains(node), isStatic, $"{node}:\n{log}");
        }
        StringAssert.Contains(log, "alternatives: ");
    }

    private static int Statics(SearchTrial trial) => trial.Settings.Count(s => s.Knob.Ladder[s.Step].Alternative);

    private static IReadOnlyList<TensorData> RunInOnnxRuntime(Model model, IReadOnlyList<TensorData> inputs)
    {
        using var runner = OrtModelRunner.FromModel(model);
        return runner.Run(inputs);
    }
}
