using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// <c>optimize</c> writes the plan of a run that calibrated beside the model by default and replays it
/// next time, <c>lock show</c> prints it, and a lock that is not JSON stops both at its line; a run that
/// decided nothing, or <c>--no-lock</c>, leaves no file.
/// </summary>
[TestClass]
public sealed class LockCommandTests
{
    [TestMethod]
    public void OptimizeWritesTheLockLockShowPrintsItAndABrokenLockStopsBothAtItsLine()
    {
        using var temp = new TempFolder();
        string model = CopySeed(temp);
        string[] optimize = ["optimize", model, "-o", temp.File("out.onnx"), "--passes", "freeze,quantize", "--calibration-samples", "32",
            "--pass-settings", """{"quantize": {"allowSlower": true}}""", "--max-accuracy-drop", "2", "--deploy-cpu", "avx2"];

        var written = ToolRunner.Run(optimize);
        Assert.AreEqual(0, written.ExitCode, written.Error);
        string lockPath = temp.File("net.modelopt.lock.json");
        Assert.IsTrue(File.Exists(lockPath));
        StringAssert.Contains(written.Out, "lock: wrote the plan to");
        string text = File.ReadAllText(lockPath);

        var replayed = ToolRunner.Run(optimize);
        Assert.AreEqual(0, replayed.ExitCode, replayed.Error);
        StringAssert.Contains(replayed.Out, "lock: replaying the plan in");
        Assert.AreEqual(text, File.ReadAllText(lockPath), "a replay leaves the lock as it was");

        // Nothing decided (freeze folds, calibrates nothing), or the lock turned off: no file beside the model.
        string plain = temp.File("plain.onnx");
        File.Copy(model, plain);
        Assert.AreEqual(0, ToolRunner.Run("optimize", plain, "-o", temp.File("plain.out.onnx"), "--passes", "freeze").ExitCode);
        Assert.IsFalse(File.Exists(temp.File("plain.modelopt.lock.json")));
        Assert.AreEqual(0, ToolRunner.Run([.. optimize.Select(a => a == model ? plain : a), "--data", temp.File("net.samples"), "--no-lock"]).ExitCode);
        Assert.IsFalse(File.Exists(temp.File("plain.modelopt.lock.json")));

        // A default lock that cannot be written (here a folder stands where it would go) is a warning: the model is still written.
        Directory.CreateDirectory(temp.File("plain.modelopt.lock.json"));
        var unwritable = ToolRunner.Run([.. optimize.Select(a => a == model ? plain : a == temp.File("out.onnx") ? temp.File("plain2.onnx") : a), "--data", temp.File("net.samples")]);
        Assert.AreEqual(0, unwritable.ExitCode, unwritable.Error);
        StringAssert.Contains(unwritable.Out + unwritable.Error, "warning MOPT5031: the lock file could not be written, so the next build chooses the plan again");
        Assert.IsTrue(File.Exists(temp.File("plain2.onnx")));

        var shown = ToolRunner.Run("lock", "show", lockPath);
        Assert.AreEqual(0, shown.ExitCode, shown.Error);
        StringAssert.Contains(shown.Out, "net.onnx (SHA-256 ");
        StringAssert.Contains(shown.Out, "avx2 (pair-safe int8 weights)");
        StringAssert.Contains(shown.Out, "relu1_out");
        StringAssert.Contains(shown.Out, "maxAccuracyDrop");

        File.WriteAllText(lockPath, File.ReadAllText(lockPath).Replace("\"schema\": 1,", "\"schema\": 1"));
        File.Delete(temp.File("out.onnx"));
        var broken = ToolRunner.Run(optimize);
        Assert.AreEqual(2, broken.ExitCode, broken.Out);
        StringAssert.Contains(broken.Error, $"{lockPath}(3,");
        StringAssert.Contains(broken.Error, "error MOPT2040: not valid JSON");
        Assert.IsFalse(File.Exists(temp.File("out.onnx")), "nothing is written");
        Assert.AreEqual(2, ToolRunner.Run("lock", "show", lockPath).ExitCode);

        // A lock from a newer ModelOpt is refused the same way, at its schema line.
        File.WriteAllText(lockPath, text.Replace("\"schema\": 1,", "\"schema\": 99,"));
        var newer = ToolRunner.Run(optimize);
        Assert.AreEqual(2, newer.ExitCode, newer.Out);
        StringAssert.Contains(newer.Error, $"{lockPath}(2,13): error MOPT2040:");
        StringAssert.Contains(newer.Error, "newer ModelOpt");
        Assert.IsFalse(File.Exists(temp.File("out.onnx")), "nothing is written");
    }

    [TestMethod]
    public void ASearchedPlanReplaysToTheBytesItWroteWithTheSettingsTheSearchAddedForItsTrials()
    {
        using var temp = new TempFolder();
        string model = CopySeed(temp);
        // On a model this small the search refits every layer in its trials ("refit": {"layers": "all"}),
        // a setting the user never gave: the lock must carry it, or the replay refits fewer layers.
        string[] Optimize(string output) => ["optimize", model, "-o", temp.File(output), "--passes", "lowrank,refit", "--search", "--max-accuracy-drop", "2", "--min-flop-reduction", "1.5"];

        var first = ToolRunner.Run(Optimize("first.onnx"));
        Assert.AreEqual(0, first.ExitCode, first.Out + first.Error);
        StringAssert.Matches(File.ReadAllText(temp.File("net.modelopt.lock.json")), new System.Text.RegularExpressions.Regex("\"layers\":\\s*\"all\""));
        var replay = ToolRunner.Run(Optimize("replay.onnx"));
        Assert.AreEqual(0, replay.ExitCode, replay.Out + replay.Error);
        StringAssert.Contains(replay.Out, "lock: replaying the plan in");
        CollectionAssert.AreEqual(File.ReadAllBytes(temp.File("first.onnx")), File.ReadAllBytes(temp.File("replay.onnx")));
    }

    // The seed CNN and its digits in a folder of the test's own: a lock is written beside the model.
    private static string CopySeed(TempFolder temp)
    {
        string model = temp.File("net.onnx");
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), model);
        Directory.CreateDirectory(temp.File("net.samples"));
        foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Models, "seed-cnn.samples")))
            File.Copy(f, Path.Combine(temp.File("net.samples"), Path.GetFileName(f)));
        return model;
    }
}
