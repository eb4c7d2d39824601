using System.Text.Json;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Tool.Tests;

/// <summary><c>--used-outputs</c>: only the outputs the application reads are judged and kept.</summary>
[TestClass]
public sealed class UsedOutputsCommandTests
{
    [TestMethod]
    public void AnOutputTheAppDoesNotReadNeitherBlocksTheRewriteNorStaysInTheModel()
    {
        using var folder = new TempFolder();
        string model = TwoHeadNet.Write(folder.File("net.onnx"));
        string output = folder.File("out.onnx");

        // float16 overflows the features head: judged on every output, fp16 is refused.
        var all = ToolRunner.Run("optimize", model, "-o", output, "--passes", "fp16", "--min-cosine", "0.99");
        Assert.AreEqual(1, all.ExitCode, all.Out + all.Error);
        StringAssert.Contains(all.Error, $"the lowest cosine is output '{TwoHeadNet.Features}'", "the refusal names the output and the way out");
        StringAssert.Contains(all.Error, "--used-outputs");
        Assert.IsFalse(File.Exists(output));

        string report = folder.File("report.json");
        var used = ToolRunner.Run("optimize", model, "-o", output, "--passes", "fp16", "--min-cosine", "0.99", "--used-outputs", TwoHeadNet.Mask, "--report", report);
        Assert.AreEqual(0, used.ExitCode, used.Out + used.Error);
        var written = ModelLoader.Load(output);
        CollectionAssert.AreEqual(new[] { TwoHeadNet.Mask }, written.Graph.Outputs.Select(o => o.Name).ToArray());
        Assert.IsFalse(written.Graph.Nodes.Any(n => n.Name.StartsWith("features", StringComparison.Ordinal)));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var compared = json.RootElement.GetProperty("comparison").GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()).ToArray();
        CollectionAssert.AreEqual(new[] { TwoHeadNet.Mask }, compared);

        // validate judges the written model on the outputs the app reads.
        var check = ToolRunner.Run("validate", model, output, "--used-outputs", TwoHeadNet.Mask, "--min-cosine", "0.99", "--runs", "0");
        Assert.AreEqual(0, check.ExitCode, check.Out + check.Error);
    }

    [TestMethod]
    public void AnOutputTheModelLacksIsAUsageErrorAndNothingIsWritten()
    {
        using var folder = new TempFolder();
        string model = TwoHeadNet.Write(folder.File("net.onnx"));
        string output = folder.File("out.onnx");
        var r = ToolRunner.Run("optimize", model, "-o", output, "--passes", "fp16", "--used-outputs", "mask,maks");
        Assert.AreEqual(2, r.ExitCode, r.Out + r.Error);
        StringAssert.Contains(r.Error, "MOPT2023");
        StringAssert.Contains(r.Error, "'maks'");
        StringAssert.Contains(r.Error, "its outputs are: mask, features");
        Assert.DoesNotContain("   at ", r.Error, "no stack trace");
        Assert.IsFalse(File.Exists(output));
    }
}
