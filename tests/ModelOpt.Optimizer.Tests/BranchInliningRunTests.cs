using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Optimizer;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// In ONNX Runtime: freeze with a bound sample rate writes a model without the If and without the
/// input, which answers exactly as the original does at that rate; and LSTMs rewritten as
/// DynamicQuantizeLSTM load, run and stay close to float.
/// </summary>
[TestClass]
public sealed class BranchInliningRunTests
{
    [TestMethod]
    public void TheInlinedModelAnswersAsTheOriginalAtTheBoundRate()
    {
        using var folder = new TempFolder();
        string source = RateBranches.Write(folder.File("branches.onnx"));
        string output = folder.File("out.onnx");
        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = source, OutputPath = output, Passes = ["freeze"], Values = ["sr=16000"] });
        Assert.AreEqual(1.0, result.Validation!.Comparison!.MinCosine, 1e-12);

        var written = ModelLoader.Load(output);
        Assert.IsFalse(written.Graph.AllNodes().Any(n => n.OpType == "If"));
        CollectionAssert.AreEqual(new[] { "x" }, written.Graph.Inputs.Select(v => v.Name).ToArray());
        Assert.AreEqual("16000", SpecializedInputs.Of(written)["sr"]);

        var x = TensorData.FromArray("x", Engine.Onnx.TensorProto.Types.DataType.Float, [1, 4], new[] { 0.5f, -1.5f, 2f, -0.25f });
        var sr = TensorData.FromArray("sr", Engine.Onnx.TensorProto.Types.DataType.Int64, [], new[] { 16000L });
        using var original = OrtModelRunner.FromFile(source);
        using var inlined = OrtModelRunner.FromFile(output);
        var expected = original.Run([x, sr]);
        Assert.IsTrue(expected[0].BitEquals(inlined.Run([x])[0]));
        // Feeds built for the original (with sr) run the specialized model too: sr is left out for it.
        Assert.IsTrue(expected[1].BitEquals(inlined.Run([x, sr])[1]));
    }

    [TestMethod]
    public void WithTheRateUnboundTheIfStaysAndTheWarningSaysWhatToBind()
    {
        using var folder = new TempFolder();
        string source = RateBranches.Write(folder.File("branches.onnx"));
        string output = folder.File("out.onnx");
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = source,
            OutputPath = output,
            Passes = ["freeze", "quantize"],
            PassSettings = """{ "quantize": { "mode": "dynamic" } }""",
            CalibrationSamples = 2,
        });
        Assert.IsTrue(result.Passes.Single(r => r.Pass == "freeze").Notes.Any(n => n.Contains("If 'first' left as it is") && n.Contains("'sr'")));
        var inside = result.Warnings.Single(w => w.Code == WarningCode.WorkInsideSubgraphs);
        StringAssert.Contains(inside.Message, "--value");
        Assert.IsTrue(ModelLoader.Load(output).Graph.Inputs.Any(v => v.Name == "sr"));
    }

    [TestMethod]
    public void AnLstmAsDynamicQuantizeLstmRunsInOnnxRuntimeCloseToFloat()
    {
        using var folder = new TempFolder();
        string source = StreamingVad.Write(folder.File("vad.onnx"));
        string output = folder.File("out.onnx");
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = source,
            OutputPath = output,
            Passes = ["freeze", "quantize"],
            PassSettings = """{ "quantize": { "mode": "dynamic", "allowSlower": true, "exclude": { "opTypes": ["MatMul"] } } }""",
            Values = ["sr=16000", "state=zeros"],
            State = ["stateN=state"],
            CalibrationSamples = 8,
            Budgets = Engine.Budgets.BudgetSet.FromText([new("minCosine", "0.99")]),
        });
        Assert.IsTrue(result.Validation!.AllKept);
        var written = ModelLoader.Load(output);
        Assert.AreEqual(1, written.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeLSTM" && n.Domain == "com.microsoft"));
        Assert.IsFalse(written.Graph.Nodes.Any(n => n.OpType == "LSTM"));
        Assert.IsGreaterThanOrEqualTo(0.99, result.Validation.Comparison!.MinCosine);
    }

    [TestMethod]
    public void OptimizeRefusesAnLstmOfUnknownSequenceLengthAndWritesNothing()
    {
        using var folder = new TempFolder();
        var proto = StreamingVad.Build();
        // The frame input's leading dimension becomes a symbol: the LSTM's X is [seq, 1, 4] from it.
        var g = proto.Graph;
        g.Node.Clear();
        g.Input.Clear();
        var x = ProtoBuilders.TensorInfo("x", Engine.Onnx.TensorProto.Types.DataType.Float, 1, 1, 4);
        x.Type.TensorType.Shape.Dim[0] = new Engine.Onnx.TensorShapeProto.Types.Dimension { DimParam = "seq" };
        g.Input.Add(x);
        var lstm = ProtoBuilders.Node("LSTM", ["x", "lstm_w", "lstm_r", "lstm_b"], ["y", "h1"], "rnn");
        lstm.Attribute.Add(ProtoBuilders.IntAttribute("hidden_size", StreamingVad.HiddenSize));
        g.Node.Add(lstm);
        g.Output.Clear();
        g.Output.Add(ProtoBuilders.TensorInfo("h1", Engine.Onnx.TensorProto.Types.DataType.Float, 1, 1, StreamingVad.HiddenSize));
        string source = folder.File("open.onnx");
        File.WriteAllBytes(source, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        string output = folder.File("out.onnx");
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = source,
            OutputPath = output,
            Passes = ["quantize"],
            PassSettings = """{ "quantize": { "mode": "dynamic" } }""",
            CalibrationSamples = 2,
        }));
        Assert.AreEqual(ErrorCode.SequenceLengthUnknown, e.Code);
        StringAssert.Contains(e.Message, "input 'x'");
        Assert.IsFalse(File.Exists(output));
    }
}
