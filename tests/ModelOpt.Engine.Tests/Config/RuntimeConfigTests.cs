using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Tests.Config;

[TestClass]
public sealed class RuntimeConfigTests
{
    [TestMethod]
    public void RuntimeSectionIsReadAndUnsetKeysFallBackToOnnxRuntimesDefaults()
    {
        var config = OptimizeConfig.Parse("""{ "runtime": { "intraOpThreads": 1, "graphOptimization": "basic", "memoryCap": "512MiB" } }""");

        Assert.AreEqual(1, config.Runtime.IntraOpThreads);
        Assert.AreEqual(GraphOptimization.Basic, config.Runtime.GraphOptimization);
        Assert.AreEqual(512L << 20, config.Runtime.MemoryCapBytes);
        Assert.IsNull(config.Runtime.ExecutionProvider);
        Assert.AreEqual("cpu", config.Runtime.ResolvedExecutionProvider);

        var none = OptimizeConfig.Parse("{}").Runtime;
        Assert.AreEqual(0, none.ResolvedIntraOpThreads, "ONNX Runtime's own default (one per core), not 1");
        Assert.AreEqual(GraphOptimization.All, none.ResolvedGraphOptimization);
        Assert.AreEqual(RuntimeConfig.DefaultMemoryCapBytes, none.ResolvedMemoryCapBytes);
    }

    [TestMethod]
    public void CommandLineSettingsWinKeyByKey()
    {
        var file = new RuntimeConfig { IntraOpThreads = 4, ExecutionProvider = "cpu", MemoryCapBytes = 1 << 30 };
        var merged = new RuntimeConfig { IntraOpThreads = 1 }.Over(file);

        Assert.AreEqual(1, merged.IntraOpThreads);
        Assert.AreEqual("cpu", merged.ExecutionProvider);
        Assert.AreEqual(1L << 30, merged.MemoryCapBytes);
    }

    [TestMethod]
    [DataRow("""{ "runtime": { "intraOpThreads": -1 } }""", "runtime.intraOpThreads")]
    [DataRow("""{ "runtime": { "intraOpThreads": "two" } }""", "runtime.intraOpThreads")]
    [DataRow("""{ "runtime": { "graphOptimization": "max" } }""", "runtime.graphOptimization")]
    [DataRow("""{ "runtime": { "memoryCap": "lots" } }""", "runtime.memoryCap")]
    [DataRow("""{ "runtime": { "memoryCap": "0" } }""", "runtime.memoryCap")]
    [DataRow("""{ "runtime": { "executionProvider": "cu da" } }""", "runtime.executionProvider")]
    [DataRow("""{ "runtime": { "threads": 2 } }""", "'runtime.threads'")]
    [DataRow("""{ "runtime": 2 }""", "'runtime' must be an object")]
    public void BadRuntimeSettingsAreConfigErrorsNamingTheKey(string json, string expected)
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse(json, "cfg/modelopt.json"));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        Assert.AreEqual("cfg/modelopt.json", e.File);
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    public void RuntimeSurvivesPerNodeSettingsOfTheSearch()
    {
        var config = OptimizeConfig.Parse("""{ "runtime": { "intraOpThreads": 1 } }""");
        Assert.AreEqual(1, config.WithNodeSettings([]).Runtime.IntraOpThreads);
    }

    // x[?, ?, 8] bound to 4×8 → Relu → r → Mul(r, r) → y: every value 32 floats (128 bytes) per sample.
    private static Model TwoOps()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [-1, -1, 8]);
        var relu = g.CreateNode("Relu", [x], name: "relu");
        var mul = g.CreateNode("Mul", [relu.Output(0), relu.Output(0)], name: "mul");
        g.AddOutput(mul.Output(0));
        return model;
    }

    [TestMethod]
    public void PerSampleMemoryComesFromTheCostModelAtTheSamplesShapes()
    {
        var model = TwoOps();
        var shapes = new Dictionary<string, long[]> { ["x"] = [4, 8] };
        string relu = model.Graph.FindNode("relu")!.Output(0).Name;

        var memory = ActivationMemory.PerSample(model, shapes, [relu]);

        Assert.AreEqual(2 * 128, memory.ActivationBytes, "two node outputs of 32 floats");
        Assert.AreEqual(128, memory.ExposedBytes);
        Assert.AreEqual(128, memory.InputBytes);
        Assert.AreEqual(0, memory.Unsized);
        Assert.IsNull(model.Graph.FindValue(relu)!.Shape?.ElementCount, "the model itself is not bound");

        // 4× the input: four times the activations.
        var bigger = ActivationMemory.PerSample(model, new Dictionary<string, long[]> { ["x"] = [16, 8] }, [relu]);
        Assert.AreEqual(4 * memory.Total, bigger.Total);
    }

    [TestMethod]
    public void BatchSizeFollowsTheCapAndACapBelowOneSampleIsAClearError()
    {
        var perSample = new SampleMemory(600, 300, 100, 0);

        Assert.AreEqual(10, ActivationMemory.BatchSize(10_000, perSample, 16, "m.onnx", "calibration"));
        Assert.AreEqual(16, ActivationMemory.BatchSize(1_000_000, perSample, 16, "m.onnx", "calibration"), "never above the requested batch");
        Assert.AreEqual(1, ActivationMemory.BatchSize(1_000, perSample, 16, "m.onnx", "calibration"));

        var e = Assert.ThrowsExactly<ModelOptException>(() => ActivationMemory.BatchSize(999, perSample, 16, "m.onnx", "calibration"));
        Assert.AreEqual(ErrorCode.MemoryCapTooSmall, e.Code);
        Assert.AreEqual("m.onnx", e.File);
        Assert.AreEqual(ExitCodes.UsageError, e.ExitCode);
        StringAssert.Contains(e.Message, "per sample");
        StringAssert.Contains(e.Message, "memoryCap");
    }
}
