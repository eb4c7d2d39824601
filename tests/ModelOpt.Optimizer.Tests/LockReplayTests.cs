using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Plan;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The lock file end to end on the seed CNN (static int8, its own digits): written by a run,
/// replayed byte for byte with the recorded scales and no calibration, stale when the data
/// changes (a warning, or an error in locked mode naming the sample), and a bad lock writes nothing.
/// </summary>
[TestClass]
public sealed class LockReplayTests
{
    private static (TempFolder Temp, string Model) Copy()
    {
        var temp = new TempFolder();
        string model = temp.File("net.onnx");
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), model);
        Directory.CreateDirectory(temp.File("net.samples"));
        foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Models, "seed-cnn.samples")))
            File.Copy(f, Path.Combine(temp.File("net.samples"), Path.GetFileName(f)));
        return (temp, model);
    }

    private static OptimizeOptions Options(string model, string output) => new()
    {
        ModelPath = model,
        OutputPath = output,
        Passes = ["freeze", "quantize"],
        PassSettings = """{ "quantize": { "allowSlower": true } }""",
        CalibrationSamples = 64,
        Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxAccuracyDrop", "2")]),
        UseLock = true,
    };

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    // Rewrites one tensor's scale in the lock, as a person editing it would.
    private static void EditScale(string lockPath, string tensor, Func<float, float> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(lockPath))!;
        var entry = root["plan"]!["quantization"]!["tensors"]!.AsArray().First(t => t!["tensor"]!.GetValue<string>() == tensor)!;
        entry["scale"] = edit(entry["scale"]!.GetValue<float>());
        File.WriteAllText(lockPath, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    [TestMethod]
    public void AReplayWritesTheSameBytesFromTheRecordedScalesWithoutCalibrating()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        var first = OptimizeJob.Run(Options(model, temp.File("a.onnx")));
        string lockPath = LockFile.DefaultPathFor(model);
        Assert.IsTrue(File.Exists(lockPath));
        Assert.IsFalse(first.Replayed);
        Assert.IsTrue(first.Plan!.Quantization!.Tensors.Count > 0);

        var second = OptimizeJob.Run(Options(model, temp.File("b.onnx")));
        Assert.IsTrue(second.Replayed);
        Assert.AreEqual(Sha(temp.File("a.onnx")), Sha(temp.File("b.onnx")));
        var passNotes = second.Passes.SelectMany(r => r.Notes).ToList();
        Assert.IsTrue(passNotes.Any(n => n.Contains("nothing calibrated")), string.Join("\n", passNotes));
        Assert.IsFalse(passNotes.Any(n => n.StartsWith("calibration auto", StringComparison.Ordinal)));
        Assert.IsTrue(first.Passes.SelectMany(r => r.Notes).Any(n => n.StartsWith("calibration auto", StringComparison.Ordinal)), "the first run calibrated");

        // A hand-edited scale that still parses is honoured: it is what the model gets.
        float edited = 0;
        EditScale(lockPath, "relu3_out", s => edited = s * 2);
        OptimizeJob.Run(Options(model, temp.File("c.onnx")));
        Assert.AreNotEqual(Sha(temp.File("a.onnx")), Sha(temp.File("c.onnx")));
        var scales = ModelLoader.Load(temp.File("c.onnx")).Graph.Initializers
            .Where(v => v.Initializer is { ElementCount: 1, DataType: Engine.Onnx.TensorProto.Types.DataType.Float }).Select(v => v.Initializer!.ToFloats()[0]);
        CollectionAssert.Contains(scales.ToList(), edited);
    }

    [TestMethod]
    public void TheBuildCpuNeverChangesTheOutputTheDeclaredCpuDoes()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        try
        {
            BuildCpu.Override = true;
            var saturating = OptimizeJob.Run(Options(model, temp.File("avx2.onnx")) with { UseLock = false });
            BuildCpu.Override = false;
            OptimizeJob.Run(Options(model, temp.File("vnni.onnx")) with { UseLock = false });
            Assert.AreEqual(Sha(temp.File("avx2.onnx")), Sha(temp.File("vnni.onnx")));
            Assert.IsTrue(saturating.Plan!.Quantization!.PairSafeWeights, "portable by default");

            var full = OptimizeJob.Run(Options(model, temp.File("full.onnx")) with { UseLock = false, DeployCpu = DeployCpu.Vnni });
            Assert.IsFalse(full.Plan!.Quantization!.PairSafeWeights);
            Assert.AreNotEqual(Sha(temp.File("avx2.onnx")), Sha(temp.File("full.onnx")));
            // Seen from a CPU without VNNI, the full-range figures are not the target's: the report says so.
            BuildCpu.Override = true;
            var unchecked_ = OptimizeJob.Run(Options(model, temp.File("full2.onnx")) with { UseLock = false, DeployCpu = DeployCpu.Vnni });
            Assert.AreEqual(Sha(temp.File("full.onnx")), Sha(temp.File("full2.onnx")));
            Assert.IsTrue(unchecked_.Notes.Any(n => n.Contains("this build CPU has no VNNI")), string.Join("\n", unchecked_.Notes));
        }
        finally
        {
            BuildCpu.Override = null;
        }
    }

    [TestMethod]
    public void ChangedDataWarnsAndChoosesAgainOrInLockedModeFailsNamingTheSample()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        OptimizeJob.Run(Options(model, temp.File("a.onnx")));
        string lockPath = LockFile.DefaultPathFor(model);
        string before = File.ReadAllText(lockPath);
        string sample = Path.Combine(temp.File("net.samples"), "input.npy");
        var bytes = File.ReadAllBytes(sample);
        bytes[^1] ^= 1;
        File.WriteAllBytes(sample, bytes);

        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(Options(model, temp.File("locked.onnx")) with { Locked = true }));
        Assert.AreEqual(ErrorCode.LockStale, e.Code);
        Assert.AreEqual(2, e.ExitCode);
        StringAssert.Contains(e.Message, "the data sample 'input.npy' changed");
        Assert.IsFalse(File.Exists(temp.File("locked.onnx")));
        Assert.AreEqual(before, File.ReadAllText(lockPath), "locked mode leaves the lock alone");

        var result = OptimizeJob.Run(Options(model, temp.File("b.onnx")));
        var stale = result.Warnings.Single(w => w.Code == WarningCode.LockStale);
        StringAssert.Contains(stale.Message, "input.npy");
        Assert.IsFalse(result.Replayed);
        Assert.AreNotEqual(before, File.ReadAllText(lockPath), "the lock is rewritten");
        Assert.IsTrue(OptimizeJob.Run(Options(model, temp.File("c.onnx")) with { Locked = true }).Replayed);
    }

    [TestMethod]
    public void LockedModeWithoutALockIsAnError()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(Options(model, temp.File("a.onnx")) with { UseLock = false, Locked = true }));
        Assert.AreEqual(ErrorCode.LockStale, e.Code);
        StringAssert.Contains(e.Message, "there is none");
        Assert.IsFalse(File.Exists(temp.File("a.onnx")));
    }

    [TestMethod]
    public void ALockNamingANodeTheModelLacksIsAnErrorAtItsLineAndWritesNothing()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        OptimizeJob.Run(Options(model, temp.File("a.onnx")));
        string lockPath = LockFile.DefaultPathFor(model);
        File.WriteAllText(lockPath, File.ReadAllText(lockPath).Replace("\"nodes\": [],", "\"nodes\": [\n      {\"node\": \"conv9\", \"pass\": \"quantize\", \"settings\": {}}\n    ],"));

        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(Options(model, temp.File("b.onnx"))));
        var error = e.Errors.Single();
        Assert.AreEqual(ErrorCode.InvalidLockFile, error.Code);
        Assert.AreEqual(2, e.ExitCode);
        Assert.AreEqual(lockPath, error.File);
        string[] lines = File.ReadAllLines(lockPath);
        int line = Array.FindIndex(lines, l => l.Contains("conv9"));
        Assert.AreEqual((line + 1, lines[line].IndexOf('{') + 1), (error.Line, error.Column));
        StringAssert.Contains(error.Message, "'conv9'");
        Assert.IsFalse(File.Exists(temp.File("b.onnx")));

        // A recorded tensor the model lacks at the quantize pass is placed at its entry too.
        File.WriteAllText(lockPath, File.ReadAllText(lockPath).Replace("      {\"node\": \"conv9\", \"pass\": \"quantize\", \"settings\": {}}\n", "").Replace("\"tensor\": \"relu2_out\"", "\"tensor\": \"relu2_gone\""));
        var tensor = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(Options(model, temp.File("b.onnx")))).Errors.First(x => x.Message.Contains("'relu2_gone'"));
        Assert.AreEqual(Array.FindIndex(File.ReadAllLines(lockPath), l => l.Contains("relu2_gone")) + 1, tensor.Line);
        Assert.IsFalse(File.Exists(temp.File("b.onnx")));
    }

    [TestMethod]
    public void AReplayedPlanThatBreaksABudgetFailsNamingTheBudgetAndTheLock()
    {
        var (temp, model) = Copy();
        using var _ = temp;
        OptimizeJob.Run(Options(model, temp.File("a.onnx")));
        string lockPath = LockFile.DefaultPathFor(model);
        // Logits squeezed into a few steps: every digit reads alike.
        EditScale(lockPath, "logits", _ => 1e-4f);

        var e = Assert.ThrowsExactly<BudgetBrokenException>(() => OptimizeJob.Run(Options(model, temp.File("b.onnx"))));
        Assert.AreEqual(1, e.ExitCode);
        StringAssert.Contains(e.Message, "maxAccuracyDrop");
        StringAssert.Contains(e.Message, lockPath);
        Assert.IsFalse(File.Exists(temp.File("b.onnx")));
    }
}
