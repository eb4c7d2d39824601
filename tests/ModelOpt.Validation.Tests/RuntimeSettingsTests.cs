using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class RuntimeSettingsTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestMethod]
    public void SessionsDefaultToOnnxRuntimesOwnThreadCountAndStateWhatTheyRanUnder()
    {
        var settings = OrtSessionSettings.From(RuntimeConfig.None);
        Assert.AreEqual(0, settings.IntraOpThreads);
        Assert.AreEqual(0, OrtSessionSettings.Default.IntraOpThreads);
        StringAssert.Contains(settings.Describe(), "default intra-op threads");

        var one = OrtSessionSettings.From(new RuntimeConfig { IntraOpThreads = 1, GraphOptimization = GraphOptimization.Basic });
        using var runner = OrtModelRunner.FromFile(SeedModel, one);
        Assert.AreSame(one, runner.Settings);
        Assert.AreEqual("cpu, 1 intra-op thread, graph optimization basic", one.Describe());
    }

    [TestMethod]
    public void AProviderThisOnnxRuntimeLacksIsAClearErrorNotASilentCpuRun()
    {
        var cuda = OrtSessionSettings.From(new RuntimeConfig { ExecutionProvider = "cuda" });
        var e = Assert.ThrowsExactly<ModelOptException>(() => OrtModelRunner.FromFile(SeedModel, cuda));
        Assert.AreEqual(ErrorCode.ExecutionProviderUnavailable, e.Code);
        Assert.AreEqual(SeedModel, e.File);
        Assert.AreEqual(ExitCodes.UsageError, e.ExitCode);
        StringAssert.Contains(e.Message, "CUDAExecutionProvider");
        StringAssert.Contains(e.Message, "CPUExecutionProvider");
    }

    [TestMethod]
    public void CalibrationBatchesShrinkUnderASmallerCapAndGiveTheSameRanges()
    {
        var model = ModelLoader.Load(SeedModel);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model, limit: 48);
        string[] names = [model.Graph.FindNode("relu1")!.Output(0).Name, "logits"];

        var roomy = new OrtActivationSource(samples, batchSize: 16);
        var ranges = ActivationCalibrator.Ranges(model, names, roomy, new QuantizeSettings());
        Assert.AreEqual(16, roomy.LastBatchSize);

        // A cap that fits three samples of this stream by the estimate, not sixteen.
        var estimate = ActivationMemory.Of(samples.SampleShapes(), arena: false, (model, names));
        var tight = new OrtActivationSource(samples, batchSize: 16, memoryCapBytes: estimate.For(3));
        var tightRanges = ActivationCalibrator.Ranges(model, names, tight, new QuantizeSettings());
        Assert.AreEqual(3, tight.LastBatchSize);
        foreach (var name in names)
            Assert.AreEqual(ranges[name], tightRanges[name], name);

        var tooSmall = new OrtActivationSource(samples, memoryCapBytes: estimate.For(1) - 1);
        var e = Assert.ThrowsExactly<ModelOptException>(() => tooSmall.Stream(model, names).First());
        Assert.AreEqual(ErrorCode.MemoryCapTooSmall, e.Code);
    }

    [TestMethod]
    public void AConsumedBatchIsEmptiedWhenTheNextIsAskedForSoOnlyOneIsHeld()
    {
        var model = ModelLoader.Load(SeedModel);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model, limit: 12);
        var source = new OrtActivationSource(samples, batchSize: 4);
        string relu1 = model.Graph.FindNode("relu1")!.Output(0).Name;
        // A consumer's enumerator keeps the last item it handed out while the next batch runs.
        using var batches = source.Stream(model, [relu1, "logits"]).GetEnumerator();
        Assert.IsTrue(batches.MoveNext());
        var first = batches.Current;
        Assert.AreEqual(4, first["logits"].Dims[0]);
        Assert.IsTrue(batches.MoveNext());
        Assert.AreEqual(0, first.Count, "the batch consumed still holds its tensors while the next one is alive");
        Assert.AreEqual(4, batches.Current[relu1].Dims[0]);
        Assert.IsTrue(batches.MoveNext());
        Assert.IsFalse(batches.MoveNext());
    }

    [TestMethod]
    public void StreamsReadTogetherPairSampleForSample()
    {
        var model = ModelLoader.Load(SeedModel);
        var copy = ModelCopy.Of(model);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model, limit: 20);
        // The two streams ask for very different amounts, yet each item holds the same samples.
        string relu1 = model.Graph.FindNode("relu1")!.Output(0).Name;
        var both = ActivationMemory.Of(samples.SampleShapes(), arena: false, (model, ["logits"]), (copy, [relu1, "logits"]));
        var source = new OrtActivationSource(samples, batchSize: 16, memoryCapBytes: both.For(6));
        int seen = 0;
        foreach (var pair in source.StreamTogether([(model, ["logits"]), (copy, [relu1, "logits"])]))
        {
            CollectionAssert.AreEqual(pair[0]["logits"].ToFloats(), pair[1]["logits"].ToFloats());
            seen += (int)pair[0]["logits"].Dims[0];
        }
        Assert.AreEqual(20, seen);
    }
}
