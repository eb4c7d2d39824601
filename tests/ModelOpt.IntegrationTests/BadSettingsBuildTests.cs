using System.Text.RegularExpressions;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/BadSettings: mistakes in OnnxModel metadata (a misspelt attribute included) are MOPT errors on the
/// file at fault, checked by the same code as the tool's (never MSBuild's MSB4018 crash), and inline
/// <c>PassSettings</c> reach a pass setting that only a config file reached before.
/// </summary>
[TestClass]
public sealed class BadSettingsBuildTests
{
    [TestMethod]
    public void MetadataMistakesAreMoptErrorsOnTheFileAtFaultAndPassSettingsReachThePass()
    {
        using var project = new ConsumerProject("BadSettings", LocalFeed.Current);
        foreach (var folder in new[] { "Models/a", "Models/b", "Models/c" }) project.AddSeedModel(folder);
        string csproj = project.PathOf("BadSettings.csproj");

        // Model c (quantize with allowSlower from PassSettings) builds; a's misspelt key stops the build.
        var build = project.Run("build");

        Assert.AreNotEqual(0, build.ExitCode, build.Describe());
        Assert.IsFalse(build.Output.Contains("MSB4018", StringComparison.Ordinal), build.Describe());
        StringAssert.Contains(build.Output, $"{csproj}(1,17): ModelOpt error MOPT2004: unknown setting 'quantize.allowslower'; did you mean 'allowSlower'?", build.Describe());
        StringAssert.Contains(build.Output, "(PassSettings of Models/a/seed-cnn.onnx)", build.Describe());
        var errors = Errors(build);
        Assert.AreEqual(1, errors.Length, string.Join("\n", errors));
        Assert.IsTrue(File.Exists(project.PathOf("obj/Debug/net10.0/modelopt/Models/c/seed-cnn.onnx")), "allowSlower given inline keeps model c: " + build.Describe());

        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("allowslower", "allowSlower", StringComparison.Ordinal));
        build = project.Run("build");

        Assert.AreNotEqual(0, build.ExitCode, build.Describe());
        StringAssert.Contains(build.Output, $"{project.PathOf("Models/b/seed-cnn.onnx")} : ModelOpt error MOPT2001: the OnnxModel metadata CalibrationSamples=\"-5\" must be at least 1, got -5.", build.Describe());
        StringAssert.Contains(build.Output, $"{project.PathOf("Models/b/seed-cnn.onnx")} : ModelOpt error MOPT2001: the OnnxModel metadata MaxAcuracyDrop=\"0.01\" is not a ModelOpt setting, so it would be ignored. Did you mean 'MaxAccuracyDrop'?", build.Describe());
        Assert.HasCount(2, Errors(build), build.Describe());
    }

    // MSBuild repeats each error in the summary at the end (without the "1>" node prefix); the distinct ones.
    private static string[] Errors(ProcessResult build) =>
        build.Output.Split('\n').Where(l => l.Contains(": ModelOpt error MOPT", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l.Trim(), @"^\d+>", "")).Distinct().ToArray();
}
