using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Search;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// What the search on LeNet-5 (testassets/models/lenet5.onnx) relies on, checked without running a
/// search: with no passes named it considers structured pruning with refit after each compressing
/// pass, and refit finds its teacher values after prune (the channels pruning kept) and lowrank.
/// </summary>
[TestClass]
public sealed class LeNetSearchPathTests
{
    private static string LeNet => Path.Combine(RepoPaths.Models, "lenet5.onnx");

    [TestMethod]
    public void WithNoPassNamedTheSearchTunesPruneAndRefitsAfterEachCompressingPass()
    {
        var (passes, knobPasses) = LayerSearch.TrialPasses(["none"]);
        CollectionAssert.AreEqual(new[] { "prune", "refit", "separable", "refit", "lowrank", "refit", "quantize" }, passes.ToArray());
        CollectionAssert.Contains(knobPasses.ToArray(), "prune");

        var model = ModelLoader.Load(LeNet);
        var sets = KnobCatalog.For(model, OptimizeConfig.Empty, PassRegistry.Default.Parse("prune,separable,lowrank"), ShapeBindings.None, LeNet);
        var prune = sets.Single(s => s.Pass.Name == "prune").Knobs;
        CollectionAssert.AreEquivalent(new[] { "conv1", "conv2" }, prune.Select(k => k.Node).ToArray());
        // Every prune setting removes channels, so it saves MACs the search can count.
        Assert.IsTrue(prune.SelectMany(k => k.Ladder).All(s => s.MacsLeft < 1 && s.Change is LocalChange.RemovedOutputs));
        CollectionAssert.IsSubsetOf(new[] { "fc1", "fc2" }, sets.Single(s => s.Pass.Name == "lowrank").Knobs.Select(k => k.Node).ToArray());
    }

    [TestMethod]
    public void RefitFindsItsTeachersAfterPruneAndLowRank()
    {
        var config = OptimizeConfig.Parse("""
            { "overrides": { "nodes": {
                "^conv1$": { "prune": { "ratio": 0.34 } }, "^conv2$": { "prune": { "ratio": 0.5 } },
                "^fc1$": { "lowrank": { "rank": 30 } }, "^fc[23]$": { "lowrank": null } } } }
            """);
        var model = ModelLoader.Load(LeNet);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(LeNet)!, model, limit: 256);
        var calibration = new OrtActivationSource(samples, batchSize: 128);
        var candidate = CandidateBuilder.Build(LeNet, config, PassRegistry.Default.Parse("prune,refit,lowrank,refit"), ShapeBindings.None, calibration);
        string notes = string.Join("\n", candidate.Reports.SelectMany(r => r.Notes));

        // conv1 keeps 4 of 6 channels, so conv2 (8 of 16 kept) is refit to the teacher's 8 channels pruning kept.
        StringAssert.Contains(notes, "conv2: refit to the teacher's 'conv2_out' (the 8 channels pruning kept)");
        StringAssert.Contains(notes, "fc1: refit to the teacher's 'fc1_out'");
        // After lowrank, the second factor stands for fc1's output.
        StringAssert.Contains(notes, "fc1_lowrank_b: refit to the teacher's 'fc1_out'");
        Assert.IsFalse(notes.Contains("the teacher has no value 'fc1_lowrank_b", StringComparison.Ordinal), notes);
        Assert.IsFalse(notes.Contains("no record of which it kept", StringComparison.Ordinal), notes);
    }

    [TestMethod]
    public void PruneKnobsCountWhatTheirConsumersSaveToo()
    {
        // As the search lists them: on the model with its shapes inferred (the cost model needs them).
        var model = ModelLoader.Load(LeNet);
        ShapeInference.Run(model, ShapeBindings.None);
        var prune = KnobCatalog.For(model, OptimizeConfig.Empty, PassRegistry.Default.Parse("prune"), ShapeBindings.None, LeNet).Single().Knobs;
        // conv1's channels are conv2's inputs (conv2 costs 480,000 FLOPs to conv1's 235,200); conv2's
        // are fc1's (96,000 FLOPs): each removed channel saves that share of the consumer as well.
        foreach (var (node, ratio) in new[] { ("conv1", 480_000 / 235_200.0), ("conv2", 96_000 / 480_000.0) })
            foreach (var step in prune.Single(k => k.Node == node).Ladder)
                Assert.AreEqual(ratio * (1 - step.MacsLeft), step.AlsoSaved, 1e-9, $"{node} {step.Label}");
        // Sixteenths: every channel count of both convs is a setting.
        CollectionAssert.AreEqual(new[] { 5, 4, 3, 2, 1 }, prune.Single(k => k.Node == "conv1").Ladder.Select(s => (int)Math.Round(6 * s.MacsLeft)).ToArray());
        Assert.HasCount(15, prune.Single(k => k.Node == "conv2").Ladder);
    }

    [TestMethod]
    public void KnobsListedOnTheModelAPassReceivesPriceItsLayersAsEarlierPassesLeftThem()
    {
        var config = OptimizeConfig.Parse("""{ "overrides": { "nodes": { "^conv1$": { "prune": { "ratio": 0.34 } }, "^conv2$": { "prune": { "ratio": 0.375 } } } } }""");
        var received = new List<(IKnobProvider Pass, Engine.IR.Model Received)>();
        CandidateBuilder.Build(LeNet, config, PassRegistry.Default.Parse("prune,separable"), ShapeBindings.None, null,
            (pass, model) => received.Add(((IKnobProvider)pass, ModelCopy.Of(model))));
        CollectionAssert.AreEqual(new[] { "prune", "separable" }, received.Select(r => r.Pass.Name).ToArray());
        var sets = KnobCatalog.For(received, OptimizeConfig.Empty, ShapeBindings.None, LeNet);
        var original = KnobCatalog.For(ModelLoader.Load(LeNet), OptimizeConfig.Empty, PassRegistry.Default.Parse("separable"), ShapeBindings.None, LeNet).Single().Knobs.Single(k => k.Node == "conv2");
        var pruned = sets.Single(s => s.Pass.Name == "separable").Knobs.Single(k => k.Node == "conv2");
        // 16 filters of 6×5×5 save MACs up to rank 9; pruned to 10 filters of 4×5×5, only up to rank 7,
        // and rank 7 keeps 98 % of the pruned conv's MACs where it kept 72 % of the original's.
        Assert.AreEqual("rank 9", original.Ladder[0].Label);
        Assert.AreEqual("rank 7", pruned.Ladder[0].Label);
        Assert.AreEqual(7.0 * 41 / 400, original.Ladder[2].MacsLeft, 1e-9);
        Assert.AreEqual(7.0 * 35 / 250, pruned.Ladder[0].MacsLeft, 1e-9);
    }

    [TestMethod]
    public void TheSearchRefitsEveryLayerWhereThatCostsLittleAndNeverOverTheUsersChoice()
    {
        var model = ModelLoader.Load(LeNet);
        SearchRequest Request(string json, int samples) => new(LeNet, OptimizeConfig.Parse(json), ["none"], BudgetSet.None, new ValidationSettings(), TimeSpan.FromMinutes(1),
            PassRegistry.Default, new OrtActivationSource(SampleSet.Synthetic(model, samples)));

        Assert.AreEqual("all", SearchRefitDefault.Apply(Request("{}", 64)).Config.SettingsFor("refit")["layers"]!.GetValue<string>());
        // The user's own choice stands.
        var mine = Request("""{ "refit": { "layers": "after-compressed" } }""", 64);
        Assert.AreSame(mine, SearchRefitDefault.Apply(mine));
        // 841,124 FLOPs × 5 linear layers × 5,000 samples is over the 2·10¹⁰ a trial's refit may cost.
        var costly = Request("{}", 5000);
        Assert.AreSame(costly, SearchRefitDefault.Apply(costly));
    }

    [TestMethod]
    [DataRow(2000, 1024, false, 667, true)]
    [DataRow(2000, 64, false, 64, true)]
    [DataRow(2000, 500, true, 500, true)]
    [DataRow(2000, 1000, true, 1000, false)]
    [DataRow(16, 16, true, 11, false)]
    public void CalibrationTakesTheSearchsFirstSamplesAndLeavesTheSearchHalfUnlessTheUserAsksMore(int total, int wanted, bool given, int taken, bool disjoint)
    {
        int share = SampleSplit.Counts(total).Search;
        Assert.AreEqual((taken, disjoint), SampleSplit.Calibration(share, wanted, given));
        var calibration = Enumerable.Range(0, total).Where(i => SampleSplit.InPart(i, SamplePart.Calibration, taken)).ToList();
        var search = Enumerable.Range(0, total).Where(i => SampleSplit.InPart(i, SamplePart.Search, taken)).ToList();
        var confirmation = Enumerable.Range(0, total).Where(i => SampleSplit.InPart(i, SamplePart.Confirmation)).ToList();
        Assert.AreEqual(taken, calibration.Count);
        Assert.AreEqual(share - taken, search.Count);
        Assert.IsEmpty(calibration.Intersect(search).Concat(calibration.Intersect(confirmation)).Concat(search.Intersect(confirmation)));
        // Calibration is a prefix of the search's share in folder order, what SampleSet.FromFolder takes.
        CollectionAssert.AreEqual(Enumerable.Range(0, total).Where(i => i % 3 != 2).Take(taken).ToArray(), calibration.ToArray());
    }

    [TestMethod]
    public void TheSearchKeepsOnlyWhatTheConfirmationsOwnBoundWouldKeep()
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("--max-accuracy-drop", "1")]);
        // newlyWrong, newlyRight of 667 choosing samples; the confirmation judges on 666 others.
        IReadOnlyList<BudgetVerdict> Verdicts(int newlyWrong, int newlyRight, int confirmation)
        {
            var baseline = Enumerable.Range(0, 667).Select(i => i >= newlyRight).ToList();
            var candidate = Enumerable.Range(0, 667).Select(i => i < newlyRight || i >= newlyRight + newlyWrong).ToList();
            var c = new ComparisonResult(667, "test", false, 98, 98, 1, [], null, null, 0, 0) { BaselineHits = baseline, CandidateHits = candidate };
            var measured = new BudgetMeasurements();
            measured.Set(BudgetDefinition.MaxAccuracyDrop, ComparisonEstimates.AccuracyDrop(c, budgets.Confidence));
            return ConfirmationForecast.Apply(measured.Evaluate(budgets), c, confirmation);
        }

        // No answer changed of 667: up to 3 in 666 may change (95 %), a bound of 1.12 there, the strictest
        // budget a search on these counts can hold, which the forecast is then judged against.
        var none = Verdicts(0, 0, 666).Single();
        Assert.IsTrue(none.Kept, none.Message());
        Assert.AreEqual(1.12, 100 * ConfidenceBounds.SearchHeldDrop(667, 666, 0.95), 0.01);
        // 1 newly wrong: 0.15 points, a bound of 0.67 on these; on 666 unseen up to 5 newly wrong: 1.53.
        var edge = Verdicts(1, 0, 666).Single();
        Assert.IsFalse(edge.Kept, edge.Message());
        Assert.AreEqual(1.53, edge.Estimate!.Bound, 0.01, edge.Message());
        StringAssert.Contains(edge.Note, "the 666 unseen samples the confirmation judges on would show about 1.53 points");
        // Without a confirmation part the choosing bound alone decides (0.67 ≤ 1).
        Assert.IsTrue(Verdicts(1, 0, 0).Single().Kept);
        // Answers changed both ways: a drop of 0, whose bound widens with the answers changed.
        Assert.IsFalse(Verdicts(1, 1, 666).Single().Kept);
        Assert.IsFalse(Verdicts(3, 6, 666).Single().Kept);
    }
}
