using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests.Cost;

[TestClass]
public sealed class ActivationMemoryTests
{
    // x[?, ?, 8] → a = Relu(x) → b = Relu(a) → c = Add(a, b) → y = Relu(c): every value 32 floats
    // (128 bytes) per sample at 4×8. a stays alive until Add reads it.
    private static Model SkipChain()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [-1, -1, 8]);
        var a = g.CreateNode("Relu", [x], name: "a").Output();
        var b = g.CreateNode("Relu", [a], name: "b").Output();
        var c = g.CreateNode("Add", [a, b], name: "c").Output();
        g.AddOutput(g.CreateNode("Relu", [c], name: "y").Output());
        return model;
    }

    private static readonly Dictionary<string, long[]> FourByEight = new() { ["x"] = [4, 8] };

    [TestMethod]
    public void ActivationsAreTheMostValuesAliveAtOnceNotEveryNodeOutput()
    {
        var model = SkipChain();
        var memory = ActivationMemory.PerSample(model, FourByEight, []);

        // While Add runs, a, b and c are alive; y is the graph's output, counted apart.
        Assert.AreEqual(3 * 128, memory.ActivationBytes);
        Assert.AreEqual(128, memory.OutputBytes);
        Assert.AreEqual(0, memory.ExposedBytes);
        Assert.AreEqual(128, memory.InputBytes);
        Assert.AreEqual(0, memory.Unsized);
        Assert.IsNull(model.Graph.FindNode("a")!.Output().Shape?.ElementCount, "the model itself is not bound");

        // Handing a and b back keeps them to the end: they leave the transient peak for the exposed bytes.
        var exposed = ActivationMemory.PerSample(model, FourByEight, [model.Graph.FindNode("a")!.Output().Name, model.Graph.FindNode("b")!.Output().Name]);
        Assert.AreEqual(2 * 128, exposed.ExposedBytes);
        Assert.AreEqual(128, exposed.ActivationBytes, "only c is transient");

        // 4× the input: 4× every part.
        var bigger = ActivationMemory.PerSample(model, new Dictionary<string, long[]> { ["x"] = [16, 8] }, []);
        Assert.AreEqual(4 * memory.Total, bigger.Total);
    }

    [TestMethod]
    public void TheGeneratedNhwcModelPeaksAtItsSkipConcatenation()
    {
        // At 64²: the decoder's Concat reads the upsampled 128×16×16 and the skip 64×16×16 and
        // writes 192×16×16, all float: no other moment holds more (the first conv holds 3×64×64 +
        // 32×32×32 floats, its ReLU 2 × 32×32×32).
        var model = NhwcSegmenter.Create(side: 64);
        var memory = ActivationMemory.PerSample(model, new Dictionary<string, long[]> { ["image"] = [64, 64, 3] }, []);

        Assert.AreEqual((128 + 64 + 192) * 16 * 16 * 4L, memory.ActivationBytes);
        Assert.AreEqual(16 * 16 * 9 * 4L, memory.OutputBytes);
        Assert.AreEqual(64 * 64 * 3 * 4L, memory.InputBytes);
        Assert.AreEqual(0, memory.Unsized);
    }

    [TestMethod]
    public void TheSameModelGivesTheSameEstimateEveryTime()
    {
        var shapes = new Dictionary<string, long[]> { ["image"] = [64, 64, 3] };
        var first = ActivationMemory.Of(shapes, arena: true, (NhwcSegmenter.Create(side: 64), []), (NhwcSegmenter.Create(side: 64), []));
        var again = ActivationMemory.Of(shapes, arena: true, (NhwcSegmenter.Create(side: 64), []), (NhwcSegmenter.Create(side: 64), []));

        Assert.AreEqual(first, again);
        Assert.AreEqual(first.For(4), again.For(4));
    }

    [TestMethod]
    public void TheBatchShrinksDownToOneSampleBeforeTheCapIsRefused()
    {
        var estimate = new MemoryEstimate(1_000, new SampleMemory(300, 100, 50, 0, 0));  // 500 a sample

        Assert.AreEqual(16, ActivationMemory.BatchSize(1_000_000, estimate, 16, "m.onnx", "calibration"), "never above the requested batch");
        Assert.AreEqual(3, ActivationMemory.BatchSize(2_600, estimate, 16, "m.onnx", "calibration"));
        Assert.AreEqual(1, ActivationMemory.BatchSize(1_500, estimate, 16, "m.onnx", "calibration"));

        var e = Assert.ThrowsExactly<ModelOptException>(() => ActivationMemory.BatchSize(1_499, estimate, 16, "m.onnx", "calibration"));
        Assert.AreEqual(ErrorCode.MemoryCapTooSmall, e.Code);
        Assert.AreEqual("m.onnx", e.File);
        Assert.AreEqual(ExitCodes.UsageError, e.ExitCode);
        StringAssert.Contains(e.Message, "one sample at a time");
        StringAssert.Contains(e.Message, "memoryCap");
    }

    [TestMethod]
    public void TheDefaultCapIsAShareOfTheMachinesAvailableMemory()
    {
        Assert.AreEqual(12L << 30, RuntimeConfig.DefaultMemoryCapFor(24L << 30));
        Assert.AreEqual(RuntimeConfig.MinimumDefaultMemoryCapBytes, RuntimeConfig.DefaultMemoryCapFor(100L << 20), "a starved machine still gets the floor");
        Assert.AreEqual(12L << 30, RuntimeConfig.None.ResolveMemoryCap(24L << 30));
        Assert.AreEqual(1L << 30, new RuntimeConfig { MemoryCap = "1GiB" }.ResolveMemoryCap(24L << 30), "a cap that is set wins");

        const string meminfo = "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nBuffers:           12 kB\n";
        Assert.AreEqual(20_000_000L * 1024, MachineMemory.ParseMemAvailable(meminfo));
        Assert.IsNull(MachineMemory.ParseMemAvailable("MemTotal: 1 kB\n"));
        Assert.IsTrue(MachineMemory.AvailableBytes > 0);
        Assert.AreEqual(RuntimeConfig.DefaultMemoryCapFor(MachineMemory.AvailableBytes), RuntimeConfig.None.ResolvedMemoryCapBytes);
    }
}
