using ModelOpt.Engine.Diagnostics;
using ModelOpt.Tool.Output;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// Every tool command README.md, docs/msbuild.md and docs/ci.md tell a user to type, run as written
/// (in document order, so a later step reads what an earlier one wrote) on the shipped seed model laid
/// out as the docs assume: <c>testassets/models/</c> as in this repository, and <c>Models/net.onnx</c>
/// with its labelled digits in <c>Models/calib/</c> for the project examples. The commands are read
/// from the Markdown, so a changed doc is covered without changing this test.
/// </summary>
[TestClass]
public sealed class DocumentedCommandTests
{
    // Commands in the docs that are not tool commands, and why they are not run here.
    private static readonly (string Prefix, string Why)[] NotToolCommands =
    [
        ("bash eng/test.sh", "the whole test suite: this test is part of it"),
        ("dotnet tool restore", "needs a tool manifest and a published package"),
        ("dotnet tool install", "installs from a package feed"),
        ("dotnet new tool-manifest", "sets up a repository"),
        ("dotnet build", "builds a consumer project: the integration tests build the documented OnnxModel snippets"),
        ("bash eng/pack.sh", "packs the packages: the integration tests run it"),
        ("git add", "commits a file to the user's repository (the lock the command before it wrote)"),
    ];

    private const string RunFromSource = "dotnet run --project tool/ModelOpt.Tool --";
    private const string Installed = "dotnet model-opt";

    public static IEnumerable<object[]> Documents => DocSnippets.UserDocs.Select(d => new object[] { d });

    [TestMethod]
    [DynamicData(nameof(Documents))]
    public void EveryDocumentedCommandWorksOnTheSeedModel(string document)
    {
        using var fixture = new TempFolder("modelopt-docs");
        LayOutSeedModel(fixture.Path);
        var variables = new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = fixture.File("step-summary.md") };

        int ran = 0;
        foreach (var (block, command) in DocSnippets.Commands(document))
        {
            string? args = command.StartsWith(RunFromSource + " ", StringComparison.Ordinal) ? command[RunFromSource.Length..]
                : command.StartsWith(Installed + " ", StringComparison.Ordinal) ? command[Installed.Length..]
                : null;
            if (args is null)
            {
                Assert.IsTrue(NotToolCommands.Any(n => command.StartsWith(n.Prefix, StringComparison.Ordinal)),
                    $"{block.File}:{block.Line}: '{command}' is neither a tool command nor one this test knows not to run; run it here or list it in NotToolCommands.");
                continue;
            }
            var argv = WithSearchTimeCap(DocSnippets.SplitArguments(args, variables).Select(a => InFixture(a, fixture.Path)).ToArray());
            var output = new StringWriter();
            var error = new StringWriter();
            int code = ToolCli.Run(argv, ToolConsole.ForWriter(output, error));
            Assert.AreEqual(ExitCodes.Success, code, $"{block.File}:{block.Line}: `{command}` exited {code}:\n{output}\n{error}");
            ran++;
        }
        if (document != "docs/msbuild.md") Assert.IsTrue(ran > 0, $"{document} has no tool command: the parser lost them?");
    }

    [TestMethod]
    public void TheParserFindsTheCiWorkflowSteps()
    {
        var commands = DocSnippets.Commands("docs/ci.md").Select(c => c.Command).ToList();
        // A folded `run: >` step is one command, as YAML reads it.
        Assert.IsTrue(commands.Any(c => c.StartsWith("dotnet model-opt optimize ", StringComparison.Ordinal) && c.Contains("--markdown", StringComparison.Ordinal)), string.Join("\n", commands));
        Assert.IsTrue(commands.Any(c => c.StartsWith("dotnet model-opt validate ", StringComparison.Ordinal)), string.Join("\n", commands));
        CollectionAssert.AreEqual(new[] { "a", "b c", "/x/s.md" },
            DocSnippets.SplitArguments("a 'b c' \"$S\"", new Dictionary<string, string> { ["S"] = "/x/s.md" }).ToArray());
    }

    // The repository's layout for README, a project's Models/ folder for the other docs.
    private static void LayOutSeedModel(string root)
    {
        string models = Path.Combine(root, "testassets", "models");
        Directory.CreateDirectory(Path.Combine(models, "seed-cnn.samples"));
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), Path.Combine(models, "seed-cnn.onnx"));
        string calib = Path.Combine(root, "Models", "calib");
        Directory.CreateDirectory(calib);
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), Path.Combine(root, "Models", "net.onnx"));
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Models, "seed-cnn.samples")))
        {
            File.Copy(file, Path.Combine(models, "seed-cnn.samples", Path.GetFileName(file)));
            File.Copy(file, Path.Combine(calib, Path.GetFileName(file)));
        }
    }

    // The automatic plan and --search run until their time limit (300 s by default) on any machine
    // where a trial takes seconds: README's first command took 293 s here, 36 s at 60 s with every
    // plan still tried and a model written. This test checks that the commands work as written; how
    // far a search gets is for the search tests. So an optimize without its own --search-time gets 60 s.
    private static string[] WithSearchTimeCap(string[] argv) =>
        argv.Length > 0 && argv[0] == "optimize" && !argv.Contains("--search-time") ? [.. argv, "--search-time", "60"] : argv;

    // Relative paths in a command are relative to where the user stands: the fixture.
    private static string InFixture(string arg, string root) =>
        !arg.StartsWith('-') && !Path.IsPathRooted(arg) && (arg.Contains('/') || Path.GetExtension(arg) is ".onnx" or ".json" or ".md" or ".html" or ".npy") ? Path.Combine(root, arg) : arg;
}
