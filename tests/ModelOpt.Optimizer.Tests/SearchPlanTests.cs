using System.Text.Json.Nodes;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Optimizer.Search;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The search's plan on the seed CNN's layer names: a choice grows and never steps a knob back, a
/// trial runs only the passes its choice turns (and the time-saving ones once their knobs are
/// listed), and a layout choice lies over every config until it is left.
/// </summary>
[TestClass]
public sealed class SearchPlanTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static SearchPlan Plan(params string[] passes) =>
        new(new SearchRequest(Seed, OptimizeConfig.Empty, passes, BudgetSet.FromText([KeyValuePair.Create("--min-cosine", "0.99")]),
            new ValidationSettings(), TimeSpan.FromMinutes(1), PassRegistry.Default, null));

    private static LayerKnob Knob(string node, string pass, int steps) =>
        new(node, pass, Enumerable.Range(0, steps).Select(i => new KnobSetting($"step {i}", new JsonObject { ["step"] = i }, new LocalChange.Quantized(8, 8, true))).ToList());

    private static RankedMove Move(LayerKnob knob, int step) => new(new KnobProfile(knob, KnobSaving.Macs, 0, 0, []), step, 0, 0);

    [TestMethod]
    public void AChoiceTakesTheFurtherStepAndLeavesTheOneItGrewFromAlone()
    {
        var conv1 = Knob("conv1", "prune", 3);
        var before = new Dictionary<string, int> { [conv1.Key] = 1 };
        var after = SearchPlan.Apply(before, [Move(conv1, 0), Move(conv1, 2)]);
        Assert.AreEqual(2, after[conv1.Key]);
        Assert.AreEqual(1, before[conv1.Key], "the choice grown from is not changed");
        Assert.AreEqual(1, SearchPlan.Apply(before, [Move(conv1, 0)])[conv1.Key], "a milder move never steps a knob back");
    }

    [TestMethod]
    public void ATrialRunsThePassesItsChoiceTurnsAndInt8OnlyOnceItsKnobsAreListed()
    {
        var plan = Plan("prune", "refit", "quantize");
        CollectionAssert.AreEqual(new[] { "prune", "refit", "quantize" }, plan.Passes.ToList());
        var prune = Knob("conv1", "prune", 2);
        var int8 = Knob("conv1", "quantize", 1);
        plan.List([prune], KnobSaving.Macs);

        var pruned = new Dictionary<string, int> { [prune.Key] = 0 };
        CollectionAssert.AreEqual(new[] { "prune" }, plan.PassesFor(plan.Assignment([])).ToList(), "no refit after a pass that turned nothing; no quantize before its knobs");
        CollectionAssert.AreEqual(new[] { "prune", "refit" }, plan.PassesFor(plan.Assignment(pruned)).ToList());

        plan.List([int8], KnobSaving.Time);
        CollectionAssert.AreEqual(new[] { "prune", "refit", "quantize" }, plan.PassesFor(plan.Assignment(pruned)).ToList());
        Assert.AreEqual(KnobSaving.Time, plan.Saves(int8.Key));
        Assert.AreEqual("conv1 step 0 by prune; conv1 step 0 by quantize", plan.Describe(new() { [prune.Key] = 0, [int8.Key] = 0 }));
    }

    [TestMethod]
    public void ALayoutChoiceLiesOverEveryConfigUntilItIsLeft()
    {
        var plan = Plan("quantize");
        var int8 = Knob("conv2", "quantize", 1);
        plan.List([int8], KnobSaving.Time);
        var stem = new StructureKnob("keep conv1 float", "quantize", StructureGain.Fidelity, ["conv1"], ["conv1"], new JsonObject { ["keepFloat"] = true });
        var conv1 = ModelLoader.Load(Seed).Graph.FindNode("conv1")!;
        var chosen = new Dictionary<string, int> { [int8.Key] = 0 };

        plan.Take(stem);
        Assert.AreEqual(true, plan.ConfigFor(plan.Assignment(chosen)).SettingsFor("quantize", conv1)?["keepFloat"]?.GetValue<bool>());
        plan.Leave(stem);
        Assert.IsNull(plan.ConfigFor(plan.Assignment(chosen)).SettingsFor("quantize", conv1)?["keepFloat"]);
        Assert.IsEmpty(plan.Structure);
    }
}
