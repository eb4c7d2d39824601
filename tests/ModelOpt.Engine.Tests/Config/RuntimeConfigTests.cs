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
}
