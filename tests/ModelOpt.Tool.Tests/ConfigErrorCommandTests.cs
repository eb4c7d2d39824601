using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// Mistakes in settings through the tool as a user meets them: every file of the broken-config
/// corpus exits 2 with each error as <c>path(line,col): error MOPT2004: …</c> on stderr and writes
/// nothing; inline <c>--pass-settings</c> reaches every pass setting and is checked the same way.
/// </summary>
[TestClass]
public sealed class ConfigErrorCommandTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-config-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    [DynamicData(nameof(BadConfigCorpus.Rows), typeof(BadConfigCorpus))]
    public void EveryBrokenConfigExitsTwoWithEachErrorAtItsPlaceAndWritesNothing(string name)
    {
        var corpus = BadConfigCorpus.Named(name);
        string output = Path.Combine(_dir, "out", "seed.onnx");

        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--config", corpus.Path);

        Assert.AreEqual(2, result.ExitCode, result.Error);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var expected in corpus.Errors)
            Assert.IsTrue(lines.Any(l => l.StartsWith($"{corpus.Path}({expected.Line},{expected.Column}): error {expected.Code}: ", StringComparison.Ordinal)
                && l.Contains(expected.Fragment, StringComparison.Ordinal)), $"({expected.Line},{expected.Column}) '{expected.Fragment}' not in:\n{result.Error}");
        Assert.AreEqual(corpus.Errors.Count, lines.Count(l => l.Contains(": error MOPT", StringComparison.Ordinal)), result.Error);
        Assert.IsFalse(result.Error.Contains("   at ", StringComparison.Ordinal), "no stack trace: " + result.Error);
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(output)) && Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(output)!).Any(), "nothing is written");
    }

    [TestMethod]
    public void PassSettingsOnTheCommandLineReachThePass()
    {
        string output = Path.Combine(_dir, "sep.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze,separable", "--pass-settings", """{ "separable": { "rank": 1 } }""");
        Assert.AreEqual(0, result.ExitCode, result.Error);
        var defaultRank = ToolRunner.Run("optimize", Seed, "-o", Path.Combine(_dir, "default.onnx"), "--passes", "freeze,separable");
        Assert.AreEqual(0, defaultRank.ExitCode, defaultRank.Error);
        Assert.IsLessThan(new FileInfo(Path.Combine(_dir, "default.onnx")).Length, new FileInfo(output).Length, "rank 1 keeps fewer weights than the energy default");
    }

    [TestMethod]
    public void BadPassSettingsOnTheCommandLineAreUsageErrors()
    {
        string output = Path.Combine(_dir, "x.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "separable", "--pass-settings", """{ "separable": { "energy": "high" }, "passes": [] }""");
        Assert.AreEqual(2, result.ExitCode, result.Error);
        StringAssert.Contains(result.Error, "--pass-settings(1,28): error MOPT2004: 'separable.energy' must be a number, got \"high\".");
        StringAssert.Contains(result.Error, "'passes' is not a pass");
        Assert.IsFalse(File.Exists(output));
    }

    [TestMethod]
    public void OptionValuesAreCheckedByTheSharedOptionChecks()
    {
        var result = ToolRunner.Run("optimize", Seed, "-o", Path.Combine(_dir, "x.onnx"), "--passes", "freeze", "--calibration-samples", "-5");
        Assert.AreEqual(2, result.ExitCode, result.Error);
        StringAssert.Contains(result.Error, "error MOPT2001: --calibration-samples must be at least 1, got -5.");
    }
}
