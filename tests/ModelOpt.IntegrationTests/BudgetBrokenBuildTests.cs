using System.Text.RegularExpressions;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/BudgetBroken: the seed CNN with MaxFlops="1000" (a ModelOptMaxFlops default)
/// and MaxParams="1K" (item metadata) it cannot keep, and a MaxSize it keeps. The build fails with
/// one MOPT4001 per broken budget on the model's path, led by budget, value and limit, and writes
/// neither model nor report to bin/.
/// </summary>
[TestClass]
public sealed class BudgetBrokenBuildTests
{
    [TestMethod]
    public void BuildFailsWithOneErrorPerBrokenBudgetAndWritesNothing()
    {
        using var project = new ConsumerProject("BudgetBroken", LocalFeed.Current);
        project.AddSeedModel("Models");
        string model = project.PathOf("Models/seed-cnn.onnx");

        var build = project.Run("build");

        Assert.AreNotEqual(0, build.ExitCode, build.Describe());
        StringAssert.Contains(build.Output, $"{model} : ModelOpt error MOPT4001: MaxFlops 1.066 MFLOPs exceeds 1 KFLOPs (FLOPs per run", build.Describe());
        StringAssert.Contains(build.Output, $"{model} : ModelOpt error MOPT4001: MaxParams ", build.Describe());
        Assert.IsFalse(build.Output.Contains("MOPT4001: MaxSize", StringComparison.Ordinal), "a kept budget is not an error: " + build.Describe());
        // MSBuild repeats each error in the summary at the end (without the "1>" node prefix); count the distinct ones.
        var errors = build.Output.Split('\n').Where(l => l.Contains("error MOPT4001", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l.Trim(), @"^\d+>", "")).Distinct().ToArray();
        Assert.AreEqual(2, errors.Length, string.Join("\n", errors));
        string[] written = Directory.Exists(project.PathOf("bin"))
            ? Directory.EnumerateFiles(project.PathOf("bin"), "seed-cnn*", SearchOption.AllDirectories).ToArray()
            : [];
        Assert.AreEqual(0, written.Length, "written despite a broken budget: " + string.Join(", ", written));
        Assert.IsFalse(File.Exists(project.PathOf("obj/Debug/net10.0/modelopt/Models/seed-cnn.onnx")), "nothing is left in obj/ for a later copy");
    }
}
