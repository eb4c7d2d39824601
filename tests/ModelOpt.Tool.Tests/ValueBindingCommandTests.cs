using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Tool.Tests;

/// <summary><c>--value</c> and <c>--state</c> on the command line, good and bad, on a miniature Silero VAD.</summary>
[TestClass]
public sealed class ValueBindingCommandTests
{
    [TestMethod]
    public void AnalyzeWithABoundSampleRateCountsOnlyTheBranchTaken()
    {
        using var folder = new TempFolder();
        string model = StreamingVad.Write(folder.File("vad.onnx"));
        var r = ToolRunner.Run("analyze", model, "--value", "sr=16000", "--value", "state=zeros", "--top", "0");
        Assert.AreEqual(0, r.ExitCode, r.Error);
        StringAssert.Contains(r.Out, "only its then branch is counted");
        Assert.DoesNotContain("mm8k_a", r.Out);
    }

    [TestMethod]
    public void OptimizeAStreamingModelWithValuesAndState()
    {
        using var folder = new TempFolder();
        string model = StreamingVad.Write(folder.File("vad.onnx"));
        string output = folder.File("out.onnx");
        var r = ToolRunner.Run("optimize", model, "-o", output, "--passes", "fp16", "--value", "sr=16000", "--value", "state=zeros",
            "--state", "stateN=state", "--min-cosine", "0.99");
        Assert.AreEqual(0, r.ExitCode, r.Out + r.Error);
        Assert.IsTrue(File.Exists(output));
    }

    [TestMethod]
    [DataRow("--value", "sr=fast", "'fast' is not a number")]
    [DataRow("--value", "sr=16000.5", "int64")]
    [DataRow("--value", "state=[1,2]", "rank")]
    [DataRow("--value", "rate=16000", "'rate'")]
    [DataRow("--state", "hidden=state", "'hidden'")]
    [DataRow("--state", "stateN=history", "'history'")]
    public void ABadBindingIsAUsageErrorThatNamesItAndWritesNothing(string option, string binding, string named)
    {
        using var folder = new TempFolder();
        string model = StreamingVad.Write(folder.File("vad.onnx"));
        string output = folder.File("out.onnx");
        string[] values = option == "--value" ? [option, binding] : ["--value", "sr=16000", "--value", "state=zeros", option, binding];
        var r = ToolRunner.Run(["optimize", model, "-o", output, "--passes", "none", .. values]);
        Assert.AreEqual(2, r.ExitCode, r.Out + r.Error);
        StringAssert.Matches(r.Error, new System.Text.RegularExpressions.Regex("MOPT202[01]"));
        StringAssert.Contains(r.Error, named);
        Assert.DoesNotContain("   at ", r.Error, "no stack trace");
        Assert.IsFalse(File.Exists(output));
    }
}
