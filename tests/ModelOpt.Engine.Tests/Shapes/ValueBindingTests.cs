using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Shapes;

/// <summary>Bound input values (<c>--value</c>) in shape inference and the cost model, on a miniature Silero VAD.</summary>
[TestClass]
public sealed class ValueBindingTests
{
    private static Model Vad() => ModelLoader.FromProto(StreamingVad.Build(), "vad.onnx", fromFile: false);

    private static AnalysisReport Analyze(Model model, params string[] values) =>
        ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9, Bindings = ShapeBindings.Parse([], values) });

    // LSTM: 1 step, batch 1, 4 gates × H 4 × (I 4 + H 4).
    private const long LstmMacs = 4 * 4 * (4 + 4);

    [TestMethod]
    public void ABoundSampleRateDecidesTheIfAndOnlyTheBranchTakenIsCounted()
    {
        var at16k = Analyze(Vad(), "sr=16000", "state=zeros");
        Assert.AreEqual(8L * 4 + LstmMacs, at16k.Totals.Macs);
        Assert.IsFalse(at16k.Nodes.Any(n => n.Name.StartsWith("mm8k", StringComparison.Ordinal)), "the 8 kHz branch is not listed");
        Assert.IsTrue(at16k.Notes.Any(n => n.Contains("'by_rate'") && n.Contains("then branch")), string.Join("\n", at16k.Notes));

        var at8k = Analyze(Vad(), "sr=8000", "state=zeros");
        Assert.AreEqual(8L * 8 + 8 * 4 + LstmMacs, at8k.Totals.Macs);

        // Unbound, both branches are counted, as before, and the note says how to do better.
        var unbound = Analyze(Vad());
        Assert.AreEqual(8L * 4 + 8 * 8 + 8 * 4 + LstmMacs, unbound.Totals.Macs);
        Assert.IsTrue(unbound.Notes.Any(n => n.Contains("--value")));
    }

    [TestMethod]
    public void TheBranchNotTakenIsKeptInTheModel()
    {
        var model = Vad();
        Analyze(model, "sr=16000");
        var branch = model.Graph.Nodes.Single(n => n.OpType == "If");
        Assert.AreEqual(2, branch.Subgraphs["else_branch"].NodeCount);
        Assert.AreEqual("1x4", model.Graph.FindValue("features")!.Shape!.ToString());
    }

    [TestMethod]
    public void AValueOfTheWrongTypeNamesTheInput()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => Analyze(Vad(), "sr=16000.5"));
        Assert.AreEqual(ErrorCode.InvalidValueBinding, e.Code);
        StringAssert.Contains(e.Message, "sr");
        StringAssert.Contains(e.Message, "int64");
        Assert.AreEqual(2, e.Code.ExitCode());
    }

    [TestMethod]
    public void AValueOfTheWrongShapeNamesTheInput()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => Analyze(Vad(), "state=[1,2,3]"));
        Assert.AreEqual(ErrorCode.InvalidValueBinding, e.Code);
        StringAssert.Contains(e.Message, "state");
        StringAssert.Contains(e.Message, "rank");
    }

    [TestMethod]
    public void AValueForAnInputTheModelLacksIsRefused()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => Analyze(Vad(), "rate=16000"));
        Assert.AreEqual(ErrorCode.InvalidValueBinding, e.Code);
        StringAssert.Contains(e.Message, "'rate'");
        StringAssert.Contains(e.Message, "sr");
    }

    [TestMethod]
    public void ZerosForAnInputOfUnknownShapeAsksForTheShape()
    {
        var h = new OpHarness();
        h.Op("Relu", h.SymbolicInput("state", Onnx.TensorProto.Types.DataType.Float, "2", "batch", "128"));
        var e = Assert.ThrowsExactly<ModelOptException>(() => ShapeInference.Run(h.Model, ShapeBindings.Parse([], ["state=zeros"])));
        StringAssert.Contains(e.Message, "--shape state=");

        // With the shape bound, zeros fill it.
        ShapeInference.Run(h.Model, ShapeBindings.Parse(["state=2x1x128"], ["state=zeros"]));
        Assert.AreEqual(256, h.Graph.Inputs.Single().BoundValue!.ElementCount);
    }

    [TestMethod]
    public void StatePairsAreCheckedAgainstTheModel()
    {
        var model = Vad();
        ShapeInference.Run(model, ShapeBindings.Parse([], ["sr=16000", "state=zeros"]));
        StatePairs.Parse(["stateN=state"]).CheckAgainst(model);

        var missingOutput = Assert.ThrowsExactly<ModelOptException>(() => StatePairs.Parse(["hidden=state"]).CheckAgainst(model));
        Assert.AreEqual(ErrorCode.InvalidStatePairing, missingOutput.Code);
        StringAssert.Contains(missingOutput.Message, "'hidden'");
        StringAssert.Contains(missingOutput.Message, "stateN");

        var wrongShape = Assert.ThrowsExactly<ModelOptException>(() => StatePairs.Parse(["output=state"]).CheckAgainst(model));
        StringAssert.Contains(wrongShape.Message, "shape");

        var unbound = Vad();
        ShapeInference.Run(unbound, ShapeBindings.Parse([], ["sr=16000"]));
        var noStart = Assert.ThrowsExactly<ModelOptException>(() => StatePairs.Parse(["stateN=state"]).CheckAgainst(unbound));
        StringAssert.Contains(noStart.Message, "--value state=zeros");
    }

    [TestMethod]
    public void ModelOptConfigValuesAndStateSections()
    {
        var config = ModelOpt.Engine.Config.OptimizeConfig.Parse("""{ "values": { "sr": 16000, "state": "zeros", "w": [1, 2] }, "state": { "stateN": "state" } }""");
        Assert.AreEqual("16000", config.Values.Specs["sr"]);
        Assert.AreEqual("zeros", config.Values.Specs["state"]);
        Assert.AreEqual("[1,2]", config.Values.Specs["w"]);
        Assert.AreEqual("state", config.State["stateN"]);
        var e = Assert.ThrowsExactly<ModelOptException>(() => ModelOpt.Engine.Config.OptimizeConfig.Parse("""{ "values": { "sr": true } }"""));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, "values.sr");
    }
}
