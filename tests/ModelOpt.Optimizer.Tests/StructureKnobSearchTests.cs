using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
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
/// The layout choices static int8 offers the search (<see cref="StructureKnob"/>): the first layer
/// or the stem float, integer hard-swish. The pass's side runs for real on a small generated
/// MobileNet-like chain; the search's side with the expensive parts faked (each trial's output
/// cosine a formula of its config, the interleaved timing a given verdict), so what is checked is
/// the rule: taken when it pays and keeps the budgets, left when it does not.
/// </summary>
[TestClass]
public sealed class StructureKnobSearchTests
{
    private static string _path = "";
    private static SampleSet? _samples;

    [ClassInitialize]
    public static void Write(TestContext _)
    {
        var model = SwishChain();
        _path = Path.Combine(Path.GetTempPath(), $"modelopt-structure-{Environment.ProcessId}.onnx");
        ModelWriter.Save(model, _path);
        _samples = SampleSet.Synthetic(model, 4, seed: 3);
    }

    [ClassCleanup]
    public static void Clean()
    {
        _samples?.Dispose();
        File.Delete(_path);
    }

    // conv1 → HardSwish → conv2 → HardSwish → conv3, all at full resolution (so all three are the stem).
    private static Model SwishChain()
    {
        var t = new PassTestModels(41);
        var model = Model.Create(opset: 14);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        var conv1 = g.CreateNode("Conv", [x, t.Weight(g, "w1", 8, 3, 3, 3), t.Weight(g, "b1", 8)], name: "conv1");
        conv1.SetInts("pads", [1, 1, 1, 1]);
        var swish1 = g.CreateNode("HardSwish", [conv1.Output(0)], name: "swish1");
        var conv2 = g.CreateNode("Conv", [swish1.Output(0), t.Weight(g, "w2", 8, 8, 1, 1), t.Weight(g, "b2", 8)], name: "conv2");
        var swish2 = g.CreateNode("HardSwish", [conv2.Output(0)], name: "swish2");
        var conv3 = g.CreateNode("Conv", [swish2.Output(0), t.Weight(g, "w3", 4, 8, 1, 1), t.Weight(g, "b3", 4)], name: "conv3");
        PassTestModels.DeclareOutput(g, conv3.Output(0));
        return model;
    }

    [TestMethod]
    public void StaticInt8OffersTheFirstLayerTheStemAndIntegerHardSwishOnlyWhereTheSettingsLeaveThemOpen()
    {
        var names = Offered("{}").Select(k => k.Name).ToList();
        CollectionAssert.AreEqual(new[] { "keep the first layer float", "keep the stem float (3 convs)", "integer hard-swish (2)" }, names);
        var swish = Offered("{}").Single(k => k.Gain == StructureGain.Speed);
        CollectionAssert.AreEquivalent(new[] { "swish1", "swish2" }, swish.SettingNodes.ToList());

        Assert.IsEmpty(Offered("""{ "quantize": { "keepFloat": ["first"], "integerHardSwish": true } }"""));
        Assert.IsEmpty(Offered("""{ "quantize": { "mode": "dynamic" } }"""));
    }

    private static IReadOnlyList<StructureKnob> Offered(string config) =>
        new QuantizePass().StructureKnobs(SwishChain(), new PassContext(_path) { Config = OptimizeConfig.Parse(config) });

    [TestMethod]
    public void IntegerHardSwishAskedForOneNodeRewritesThatNodeOnly()
    {
        var model = SwishChain();
        QuantizeRun.Quantize(model, """{ "quantize": { "allowSlower": true }, "overrides": { "nodes": { "^swish2$": { "quantize": { "integerHardSwish": true } } } } }""", _samples);

        var left = model.Graph.Nodes.Where(n => n.OpType == "HardSwish").Select(n => n.Name).ToList();
        CollectionAssert.AreEqual(new[] { "swish1" }, left);
    }

    [TestMethod]
    public void TheSearchTakesIntegerHardSwishWhenTheInterleavedRunsShowItFaster()
    {
        var outcome = Search(trial => 0.95, (_, second) => IntegerSwish(second.Config) ? FakeTrials.Faster : FakeTrials.Even);

        Assert.IsNull(outcome.Failure, Log(outcome));
        Assert.IsTrue(IntegerSwish(outcome.Config), Log(outcome));
        StringAssert.Contains(Log(outcome), "integer hard-swish (2) taken: faster beyond the noise");
        // The first layer and the stem kept float gain nothing here: left, every conv int8.
        Assert.IsNotNull(Setting(outcome.Config, "conv1"), Log(outcome));
    }

    [TestMethod]
    public void TheSearchLeavesIntegerHardSwishWhenItIsNotFasterOrBreaksTheBudget()
    {
        var even = Search(trial => 0.95, (_, _) => FakeTrials.Even);
        Assert.IsFalse(IntegerSwish(even.Config), Log(even));
        StringAssert.Contains(Log(even), "integer hard-swish (2) left: not faster beyond the noise");

        int timed = 0;
        var breaks = Search(trial => IntegerSwish(trial.Config) ? 0.8 : 0.95, (_, _) =>
        {
            timed++;
            return FakeTrials.Faster;
        });
        Assert.IsFalse(IntegerSwish(breaks.Config), Log(breaks));
        StringAssert.Contains(Log(breaks), "integer hard-swish (2) left: it breaks minCosine");
    }

    [TestMethod]
    public void TheSearchKeepsTheFirstLayerFloatWhenThatAloneLetsEveryOtherLayerStayInt8()
    {
        // Every layer int8: 0.85 (the budget is 0.9); with conv1 float: 0.95.
        var outcome = Search(trial => trial.Settings.Any(s => s.Knob.Node == "conv1") ? 0.85 : 0.95, (_, _) => FakeTrials.Even);

        Assert.IsNull(outcome.Failure, Log(outcome));
        Assert.IsNull(Setting(outcome.Config, "conv1"), Log(outcome));
        Assert.IsNotNull(Setting(outcome.Config, "conv2"), Log(outcome));
        Assert.IsNotNull(Setting(outcome.Config, "conv3"), Log(outcome));
        StringAssert.Contains(Log(outcome), "keep the first layer float taken");
        StringAssert.Contains(Log(outcome), "keep the stem float (3 convs) left: not faster");
    }

    [TestMethod]
    public void ASpeedChoiceThatNoLayoutOfEveryLayerInt8CanJudgeIsWeighedOnTheWalksChoice()
    {
        // conv3 int8 breaks the budget whatever else (worse with integer hard-swish: it is not timed
        // there); without conv1 int8 as well it is worse still.
        static bool Int8(SearchTrial t, string node) => t.Settings.Any(s => s.Knob.Node == node);
        var outcome = Search(t => Int8(t, "conv3") ? (IntegerSwish(t.Config) ? 0.75 : 0.85) : Int8(t, "conv1") ? 0.95 : 0.8, (_, second) => IntegerSwish(second.Config) ? FakeTrials.Faster : FakeTrials.Even);

        Assert.IsNull(outcome.Failure, Log(outcome));
        StringAssert.Contains(Log(outcome), "integer hard-swish (2) weighed again on the walk's choice");
        StringAssert.Contains(Log(outcome), "integer hard-swish (2) taken on the walk's choice: faster beyond the noise");
        Assert.IsTrue(IntegerSwish(outcome.Config), Log(outcome));
        Assert.IsNull(Setting(outcome.Config, "conv3"), Log(outcome));
        Assert.IsNotNull(Setting(outcome.Config, "conv1"), Log(outcome));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ASpeedChoiceThatAddsLittleWhereEveryLayoutBreaksTheBudgetIsTimedBeforeTheWalk(bool faster)
    {
        // conv3 int8 breaks the budget whatever else; integer hard-swish adds a tenth to that error.
        static bool Int8(SearchTrial t, string node) => t.Settings.Any(s => s.Knob.Node == node);
        var outcome = Search(t => Int8(t, "conv3") ? (IntegerSwish(t.Config) ? 0.835 : 0.85) : Int8(t, "conv1") ? 0.95 : 0.8,
            (_, second) => IntegerSwish(second.Config) && faster ? FakeTrials.Faster : FakeTrials.Even);

        Assert.IsNull(outcome.Failure, Log(outcome));
        StringAssert.Contains(Log(outcome), $"integer hard-swish (2) {(faster ? "taken" : "left")}: the budgets break with and without it, it adds little at the output");
        Assert.DoesNotContain("weighed again on the walk's choice", Log(outcome));
        Assert.AreEqual(faster, IntegerSwish(outcome.Config), Log(outcome));
        Assert.IsNull(Setting(outcome.Config, "conv3"), Log(outcome));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ASpeedChoiceThatBreaksTheWalksChoiceIsWeighedOnAnEarlierOneAndTakenOnlyWhenFaster(bool faster)
    {
        // conv3 int8 breaks the budget whatever else. conv1 and conv2 int8 keep it, but not both of
        // them with integer hard-swish: the walk takes both, then the speed choice has room on one only.
        static bool Int8(SearchTrial t, string node) => t.Settings.Any(s => s.Knob.Node == node);
        var outcome = Search(t => Int8(t, "conv3") ? (IntegerSwish(t.Config) ? 0.75 : 0.85)
                : Int8(t, "conv1") && Int8(t, "conv2") ? (IntegerSwish(t.Config) ? 0.88 : 0.95)
                : Int8(t, "conv1") || Int8(t, "conv2") ? 0.95 : 0.8,
            (_, second) => IntegerSwish(second.Config) && faster ? FakeTrials.Faster : FakeTrials.Even);

        Assert.IsNull(outcome.Failure, Log(outcome));
        StringAssert.Contains(Log(outcome), "integer hard-swish (2) breaks the budgets on the walk's choice (2 setting(s) taken); weighing it on fewer of them");
        StringAssert.Contains(Log(outcome), $"integer hard-swish (2) with 1 of the walk's settings against all 2 without it: {(faster ? "taken" : "left")}");
        Assert.AreEqual(faster, IntegerSwish(outcome.Config), Log(outcome));
        int int8 = new[] { "conv1", "conv2" }.Count(n => Setting(outcome.Config, n) is not null);
        Assert.AreEqual(faster ? 1 : 2, int8, Log(outcome));
        Assert.IsNull(Setting(outcome.Config, "conv3"), Log(outcome));
    }

    [TestMethod]
    [DataRow(true, false)]
    [DataRow(false, false)]
    [DataRow(true, true)]
    [DataRow(false, true)]
    public void TheLayersTheProbeLeftOutAreTakenBackWhenTheWholeIsFasterAndOnlyThen(bool wholeFaster, bool bothBreak)
    {
        // bothBreak: conv8 int8 breaks the budget, with the islands joined or not (the walk leaves it
        // float), and so does every conv float (the stem); joining them adds a little error (0.16
        // against 0.15), so the clock decides as where both keep it.
        // Eight convs in a row: the output probe cuts them into two segments of four. Alone, the
        // first segment saves no time (its latencies equal the original's) and the second halves them.
        string path = Path.Combine(Path.GetTempPath(), $"modelopt-islands-{Environment.ProcessId}-{wholeFaster}-{bothBreak}.onnx");
        var t = new PassTestModels(43);
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        Value x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 8, 8, 8]);
        for (int i = 1; i <= 8; i++)
            x = g.CreateNode("Relu", [g.CreateNode("Conv", [x, t.Weight(g, $"w{i}", 8, 8, 1, 1), t.Weight(g, $"b{i}", 8)], name: $"conv{i}").Output(0)], name: $"relu{i}").Output(0);
        PassTestModels.DeclareOutput(g, x);
        ModelWriter.Save(model, path);
        using var samples = SampleSet.Synthetic(model, 4, seed: 5);
        try
        {
            var budgets = BudgetSet.FromText([KeyValuePair.Create("--min-cosine", "0.9")]);
            var request = new SearchRequest(path, OptimizeConfig.Empty, ["quantize"], budgets, new ValidationSettings(), TimeSpan.FromMinutes(5),
                PassRegistry.Default, new OrtActivationSource(samples, batchSize: 4))
            {
                Judge = trial =>
                {
                    var outcome = FakeTrials.WithCosine(trial, !bothBreak ? 0.95
                        : trial.Settings.Any(s => s.Knob.Node == "conv8") ? (trial.Settings.Any(s => s.Knob.Node == "conv1") ? 0.84 : 0.85)
                        : trial.Settings.Count == 0 ? 0.85 : 0.95, 256);
                    if (trial.Validation.Comparison.LatencyRuns == 0) return outcome;
                    bool saves = !trial.Settings.Any(s => s.Knob.Node is "conv1" or "conv2");
                    var original = new LatencyResult(0.01, 0.01, Enumerable.Repeat(0.01, 11).ToList());
                    var candidate = new LatencyResult(0.01, 0.01, Enumerable.Range(0, 11).Select(i => saves ? 0.005 : 0.01 + (i % 2 == 0 ? 1e-4 : -1e-4)).ToList());
                    return outcome with { Report = outcome.Report with { Comparison = outcome.Report.Comparison! with { BaselineLatency = original, CandidateLatency = candidate } } };
                },
                // The whole against the probe's list: more settings in the second trial.
                TimeStructure = (first, second) => second.Settings.Count > first.Settings.Count && wholeFaster ? FakeTrials.Faster : FakeTrials.Even,
            };
            var outcome = LayerSearch.Run(request);

            Assert.IsNull(outcome.Failure, Log(outcome));
            StringAssert.Contains(Log(outcome), "int8 setting(s) left out, their segment saved no time");
            StringAssert.Contains(Log(outcome), wholeFaster ? "int8 with the rest (no float islands) taken" : "int8 with the rest (no float islands) left");
            var conv1 = ModelLoader.Load(path).Graph.FindNode("conv1")!;
            Assert.AreEqual(wholeFaster, outcome.Config.SettingsFor("quantize", conv1) is not null, Log(outcome));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static SearchOutcome Search(Func<SearchTrial, double> cosine, Func<SearchTrial, SearchTrial, PairedTiming.Verdict> time)
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("--min-cosine", "0.9")]);
        var request = new SearchRequest(_path, OptimizeConfig.Empty, ["quantize"], budgets, new ValidationSettings(), TimeSpan.FromMinutes(5),
            PassRegistry.Default, new OrtActivationSource(_samples!, batchSize: 4))
        {
            Judge = trial => FakeTrials.WithCosine(trial, cosine(trial), 256),
            TimeStructure = time,
        };
        return LayerSearch.Run(request);
    }

    private static readonly Lazy<Model> Chain = new(SwishChain);

    private static System.Text.Json.Nodes.JsonObject? Setting(OptimizeConfig config, string node) => config.SettingsFor("quantize", Chain.Value.Graph.FindNode(node)!);

    private static bool IntegerSwish(OptimizeConfig config) =>
        new[] { "swish1", "swish2" }.All(n => Setting(config, n)?["integerHardSwish"]?.GetValue<bool>() == true);

    private static string Log(SearchOutcome outcome) => string.Join("\n", outcome.Log);
}
