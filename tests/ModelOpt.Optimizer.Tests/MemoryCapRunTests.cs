using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer;

namespace ModelOpt.Optimizer.Tests;

[TestClass]
public sealed class MemoryCapRunTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    // What validation of the seed model against itself is estimated at, on its own samples.
    private static MemoryEstimate ValidationEstimate()
    {
        var model = ModelLoader.Load(SeedModel);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model);
        return ActivationMemory.Of(samples.SampleShapes(), arena: true, (model, []), (model, []));
    }

    [TestMethod]
    public void ARunThatCannotValidateUnderTheCapStopsBeforeCalibrating()
    {
        using var temp = new TempFolder();
        long cap = ValidationEstimate().For(1) - 1;
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = SeedModel,
            OutputPath = temp.File("out.onnx"),
            Passes = ["freeze", "quantize"],
            Runtime = new RuntimeConfig { MemoryCapBytes = cap },
        }));

        Assert.AreEqual(ErrorCode.MemoryCapTooSmall, e.Code);
        StringAssert.Contains(e.Message, "before any pass runs");
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
    }

    [TestMethod]
    public void TheModelWrittenDoesNotDependOnTheCapOnlyTheBatchesDo()
    {
        using var temp = new TempFolder();
        OptimizeResult Run(long cap, string name) => OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = SeedModel,
            OutputPath = temp.File(name),
            Passes = ["freeze", "quantize"],
            CalibrationSamples = 24,
            PassSettings = """{ "quantize": { "allowSlower": true, "calibration": "minmax" } }""",
            Runtime = new RuntimeConfig { MemoryCapBytes = cap },
        });

        // Room for every batch, and room for validation batches of two (calibration batches follow
        // their own estimate under the same cap; RuntimeSettingsTests pins their ranges).
        Run(64L << 30, "roomy.onnx");
        Run(ValidationEstimate().For(2), "tight.onnx");

        CollectionAssert.AreEqual(File.ReadAllBytes(temp.File("roomy.onnx")), File.ReadAllBytes(temp.File("tight.onnx")));
    }
}
