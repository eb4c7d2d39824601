using System.Security.Cryptography;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/LockedBuild: the seed CNN in static int8, no LockFile metadata. The first
/// build writes the lock beside the model (by default: the build calibrated); a clean build replays it to the same bytes without
/// touching it; after a calibration sample changes, a build in locked mode fails naming the sample, and a
/// default build warns naming it and chooses the plan again.
/// </summary>
[TestClass]
public sealed class LockedBuildTests
{
    private const string Optimized = "obj/Debug/net10.0/modelopt/Models/seed-cnn.onnx";
    private const string Lock = "Models/seed-cnn.modelopt.lock.json";

    [TestMethod]
    public void ACleanBuildReplaysTheLockAndLockedModeFailsOnAChangedSample()
    {
        using var project = new ConsumerProject("LockedBuild", LocalFeed.Current);
        project.AddSeedModel("Models");

        var first = project.Run("build");
        Assert.IsTrue(first.Succeeded, first.Describe());
        Assert.IsTrue(File.Exists(project.PathOf(Lock)), "the lock is written beside the model");
        string firstHash = Sha(project.PathOf(Optimized));
        string lockText = File.ReadAllText(project.PathOf(Lock));
        DateTime lockTime = File.GetLastWriteTimeUtc(project.PathOf(Lock));

        Assert.IsTrue(project.Run("clean").Succeeded);
        var replay = project.Run("build", "-p:ModelOptLockedMode=true");
        Assert.IsTrue(replay.Succeeded, replay.Describe());
        Assert.AreEqual(firstHash, Sha(project.PathOf(Optimized)), "a clean build replays the lock to the same bytes");
        Assert.AreEqual(lockText, File.ReadAllText(project.PathOf(Lock)));
        Assert.AreEqual(lockTime, File.GetLastWriteTimeUtc(project.PathOf(Lock)), "a replay leaves the committed lock alone");

        string sample = project.PathOf("Models/seed-cnn.samples/input.npy");
        var bytes = File.ReadAllBytes(sample);
        bytes[^1] ^= 1;
        File.WriteAllBytes(sample, bytes);
        var locked = project.Run("build", "-p:ModelOptLockedMode=true");
        Assert.AreNotEqual(0, locked.ExitCode, locked.Describe());
        StringAssert.Contains(locked.Output, "error MOPT2041", locked.Describe());
        StringAssert.Contains(locked.Output, "the data sample 'input.npy' changed", locked.Describe());
        Assert.IsFalse(File.Exists(project.PathOf(Optimized)), "nothing stale is left for a later copy");

        // By default the same change is a warning naming the sample: the plan is chosen again and the lock rewritten.
        var relaxed = project.Run("build");
        Assert.IsTrue(relaxed.Succeeded, relaxed.Describe());
        StringAssert.Contains(relaxed.Output, "warning MOPT5030", relaxed.Describe());
        StringAssert.Contains(relaxed.Output, "the data sample 'input.npy' changed", relaxed.Describe());
        Assert.AreNotEqual(lockText, File.ReadAllText(project.PathOf(Lock)), "the lock is written again for the new data");
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
