namespace ModelOpt.IntegrationTests;

/// <summary>
/// A failed build leaves nothing stale: after a good build (and publish), a build that rejects the
/// model — a broken budget, a broken config — deletes the model and its report from obj/, bin/ and
/// publish/; and a build that failed only because a warning was treated as an error leaves nothing
/// a later incremental build could take as up to date.
/// </summary>
[TestClass]
public sealed class FailedBuildTests
{
    private const string Intermediate = "obj/Debug/net10.0/modelopt/Models/";
    private const string Output = "bin/Debug/net10.0/Models/";
    private const string Published = "bin/Debug/net10.0/publish/Models/";

    private static readonly string[] Outputs =
    [
        Intermediate + "seed-cnn.onnx", Intermediate + "seed-cnn.report.json",
        Output + "seed-cnn.onnx", Output + "seed-cnn.report.json",
        Published + "seed-cnn.onnx", Published + "seed-cnn.report.json",
    ];

    [TestMethod]
    public void ARejectedRebuildRemovesTheModelFromObjBinAndPublish()
    {
        using var project = new ConsumerProject("RejectedRebuild", LocalFeed.Current);
        project.AddSeedModel("Models");
        string model = project.PathOf("Models/seed-cnn.onnx");

        var good = project.Run("publish", "-c", "Debug");
        Assert.IsTrue(good.Succeeded, good.Describe());
        CollectionAssert.AreEqual(Outputs, project.Existing(Outputs), "the good build writes every output");

        var overBudget = project.Run("build", "-p:ModelOptMaxFlops=1000");
        Assert.AreNotEqual(0, overBudget.ExitCode, overBudget.Describe());
        StringAssert.Contains(overBudget.Output, $"{model} : ModelOpt error MOPT4001: MaxFlops", overBudget.Describe());
        Assert.AreEqual(0, project.Existing(Outputs).Length, "left after a broken budget: " + string.Join(", ", project.Existing(Outputs)));

        var again = project.Run("publish", "-c", "Debug");
        Assert.IsTrue(again.Succeeded, again.Describe());
        CollectionAssert.AreEqual(Outputs, project.Existing(Outputs), "a good build after a failed one writes everything again");

        var brokenConfig = project.Run("build", "-p:ModelOptConfig=broken.json");
        Assert.AreNotEqual(0, brokenConfig.ExitCode, brokenConfig.Describe());
        StringAssert.Contains(brokenConfig.Output, $"{project.PathOf("broken.json")}(2,1): ModelOpt error MOPT2004", brokenConfig.Describe());
        Assert.AreEqual(0, project.Existing(Outputs).Length, "left after a config error: " + string.Join(", ", project.Existing(Outputs)));
    }

    [TestMethod]
    public void AWarningTreatedAsAnErrorLeavesNothingUpToDate()
    {
        using var project = new ConsumerProject("WarningAsError", LocalFeed.Current);
        project.AddSeedModel("Models", withSamples: false);
        string model = project.PathOf("Models/seed-cnn.onnx");
        string[] intermediate = [Intermediate + "seed-cnn.onnx", Intermediate + "seed-cnn.report.json", Output + "seed-cnn.onnx"];

        // The bare switch: MSBuild's own ShouldTreatWarningAsError answers false for it in an SDK project, yet the build fails.
        var first = project.Run("build", "-warnaserror");
        Assert.AreNotEqual(0, first.ExitCode, first.Describe());
        StringAssert.Contains(first.Output, $"{model} : ModelOpt error MOPT5002:", first.Describe());
        Assert.AreEqual(0, project.Existing(intermediate).Length, "left after the failed build: " + string.Join(", ", project.Existing(intermediate)));

        // The next build must not find an up-to-date output and pass silently: it runs the optimizer and fails again.
        var second = project.Run("build", "-p:MSBuildTreatWarningsAsErrors=true");
        Assert.AreNotEqual(0, second.ExitCode, second.Describe());
        Assert.IsFalse(second.Output.Contains("Skipping target \"_ModelOptOptimizeModels\"", StringComparison.Ordinal), second.Describe());
        StringAssert.Contains(second.Output, $"{model} : ModelOpt error MOPT5002:", second.Describe());
        Assert.AreEqual(0, project.Existing(intermediate).Length, "left after MSBuildTreatWarningsAsErrors: " + string.Join(", ", project.Existing(intermediate)));

        var relaxed = project.Run("build");
        Assert.IsTrue(relaxed.Succeeded, relaxed.Describe());
        StringAssert.Contains(relaxed.Output, $"{model} : ModelOpt warning MOPT5002:", relaxed.Describe());
        CollectionAssert.AreEqual(intermediate, project.Existing(intermediate));
    }
}
