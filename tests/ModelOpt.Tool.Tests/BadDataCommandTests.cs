using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// Sample folders and label files a user can get wrong (testassets/data/bad, with what each must
/// say in expectations.tsv), through <c>optimize</c> and <c>validate</c>: exit 2, one MOPT error
/// on the file at fault, no stack trace, nothing written.
/// </summary>
[TestClass]
public sealed class BadDataCommandTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static string Corpus => Path.Combine(RepoPaths.TestAssets, "data", "bad");

    private sealed record Expectation(string Folder, string Code, string File, string Fragment);

    private static IEnumerable<Expectation> Expectations() =>
        File.ReadAllLines(Path.Combine(Corpus, "expectations.tsv"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => new Expectation(f[0], f[1], f[2], f[3]));

    public static IEnumerable<object[]> Rows => Expectations().Select(e => new object[] { e.Folder });

    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-baddata-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void EveryFolderOfTheCorpusHasAnExpectation()
    {
        var folders = Directory.GetDirectories(Corpus).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEquivalent(folders, Expectations().Select(e => e.Folder).Where(f => f != "missing").ToArray());
    }

    [TestMethod]
    [DynamicData(nameof(Rows))]
    public void OptimizeAndValidateStopWithTheFileAtFaultAndWriteNothing(string folder)
    {
        var expected = Expectations().Single(e => e.Folder == folder);
        string data = Path.Combine(Corpus, folder);
        string atFault = expected.File.Length == 0 ? data : Path.Combine(data, expected.File);
        string output = Path.Combine(_dir, "out", "seed.onnx"), report = Path.Combine(_dir, "report.json");

        foreach (var result in new[]
        {
            ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze", "--data", data, "--report", report),
            ToolRunner.Run("validate", Seed, Seed, "--data", data, "--runs", "0"),
        })
        {
            Assert.AreEqual(2, result.ExitCode, result.Error);
            StringAssert.Contains(result.Error, $"{atFault}: error {expected.Code}: ", result.Error);
            StringAssert.Contains(result.Error, expected.Fragment, result.Error);
            Assert.IsFalse(result.Error.Contains("   at ", StringComparison.Ordinal), "no stack trace: " + result.Error);
        }
        Assert.IsFalse(File.Exists(output), "no model is written");
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(output)) && Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(output)!).Any(), "nothing is left in the output folder");
    }
}
