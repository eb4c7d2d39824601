using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Engine.Passes.Freeze;

namespace ModelOpt.Engine.Tests.Passes;

/// <summary><c>freeze</c> replaces an If that constants or bound values decide by the branch it takes.</summary>
[TestClass]
public sealed class BranchInliningTests
{
    private static Model Load(Onnx.ModelProto proto) => ModelLoader.FromProto(proto, "branches.onnx", fromFile: false);

    private static (Model Model, PassOutcome Outcome) Freeze(Onnx.ModelProto proto, string json = "{}", params string[] values)
    {
        var model = Load(proto);
        var context = new PassContext("branches.onnx") { Bindings = ShapeBindings.Parse([], values), Config = OptimizeConfig.Parse(json) };
        var outcome = new FreezePass().Run(model, context);
        GraphCleanup.Run(model, "freeze");
        return (model, outcome);
    }

    [TestMethod]
    public void ABoundSampleRateInlinesTheBranchesItSelectsAndDropsTheInput()
    {
        var (model, outcome) = Freeze(RateBranches.Build(), "{}", "sr=16000");
        var graph = model.Graph;
        Assert.IsFalse(graph.AllNodes().Any(n => n.OpType == "If"), "both Ifs are gone");
        CollectionAssert.AreEqual(new[] { "x" }, graph.Inputs.Where(v => v.Initializer is null).Select(v => v.Name).ToArray(), "sr is no longer read, so no longer an input");
        Assert.AreEqual("16000", SpecializedInputs.Of(model)["sr"]);
        CollectionAssert.AreEqual(new[] { "y", "c" }, graph.Outputs.Select(v => v.Name).ToArray(), "the interface keeps its output names");
        // The then branches' nodes, with the If outputs' names on what they compute.
        Assert.AreEqual("Relu", graph.FindLocalValue("a")!.Producer!.OpType);
        Assert.AreEqual("Sigmoid", graph.FindLocalValue("b")!.Producer!.OpType);
        // The second branch returned a copy of the graph input, which freeze cannot drop (a graph input cannot take the output's name).
        Assert.AreEqual("Identity", graph.FindLocalValue("c")!.Producer!.OpType);
        Assert.AreEqual("x", graph.FindLocalValue("c")!.Producer!.Input(0)!.Name);
        // Both then branches named a value 'tmp': the second was renamed on the way in.
        var mm = graph.Nodes.Single(n => n.Name == "first_mm");
        Assert.AreEqual("tmp", mm.Output(0).Name);
        Assert.IsFalse(graph.Nodes.Any(n => n.OpType is "Neg" or "Abs" or "Equal"), "the branches not taken and the condition are gone");
        Assert.IsTrue(outcome.Notes.Any(n => n.Contains("2 If node(s)") && n.Contains("'first' (then)")), string.Join("\n", outcome.Notes));
        Assert.IsTrue(outcome.Notes.Any(n => n.Contains("input 'sr' removed") && n.Contains("inlineBranches")), string.Join("\n", outcome.Notes));
    }

    [TestMethod]
    public void TheElseBranchesAreTakenForAnotherRate()
    {
        var (model, _) = Freeze(RateBranches.Build(), "{}", "sr=8000");
        var graph = model.Graph;
        Assert.AreEqual("Neg", graph.FindLocalValue("a")!.Producer!.OpType);
        Assert.AreEqual("Abs", graph.FindLocalValue("b")!.Producer!.OpType);
        Assert.AreEqual("second_neg", graph.FindLocalValue("c")!.Producer!.Name);
        Assert.IsTrue(graph.Outputs.Any(o => o.Name == "c"));
        Assert.IsFalse(graph.Nodes.Any(n => n.OpType is "MatMul" or "Sigmoid"));
    }

    [TestMethod]
    public void AnIfWhoseConditionIsUnknownStaysAndTheNoteSaysWhatToBind()
    {
        var (model, outcome) = Freeze(RateBranches.Build());
        Assert.AreEqual(2, model.Graph.Nodes.Count(n => n.OpType == "If"));
        Assert.IsTrue(model.Graph.Inputs.Any(v => v.Name == "sr"));
        Assert.AreEqual(0, SpecializedInputs.Of(model).Count);
        var note = outcome.Notes.Single(n => n.Contains("If 'first' left as it is"));
        StringAssert.Contains(note, "'sr'");
        StringAssert.Contains(note, "--value");
    }

    [TestMethod]
    public void InlineBranchesFalseKeepsTheIfsAndTheInput()
    {
        var (model, outcome) = Freeze(RateBranches.Build(), """{ "freeze": { "inlineBranches": false } }""", "sr=16000");
        Assert.AreEqual(2, model.Graph.Nodes.Count(n => n.OpType == "If"));
        Assert.IsTrue(model.Graph.Inputs.Any(v => v.Name == "sr"));
        Assert.IsFalse(outcome.Notes.Any(n => n.Contains("If")), string.Join("\n", outcome.Notes));
    }

    [TestMethod]
    public void TheSameBindingStillAppliesToTheSpecializedModelAndAnotherIsRefused()
    {
        var (model, _) = Freeze(StreamingVad.Build(), "{}", "sr=16000", "state=zeros");
        Assert.IsFalse(model.Graph.Inputs.Any(v => v.Name == "sr"));
        Assert.IsTrue(model.Graph.Inputs.Any(v => v.Name == "state"), "a bound input the model still reads stays an input");
        // Saved and loaded again, the model still knows what it was specialized for.
        var reloaded = ModelLoader.FromProto(ModelWriter.ToProto(model), "vad.onnx", fromFile: false);
        ShapeInference.Run(reloaded, ShapeBindings.Parse([], ["sr=16000", "state=zeros"]));
        var e = Assert.ThrowsExactly<ModelOptException>(() => ShapeInference.Run(reloaded, ShapeBindings.Parse([], ["sr=8000", "state=zeros"])));
        Assert.AreEqual(ErrorCode.InvalidValueBinding, e.Code);
        StringAssert.Contains(e.Message, "specialized for sr=16000");
    }
}
