using ModelOpt.TestSupport;

namespace ModelOpt.IntegrationTests;

/// <summary>The dotnet-model-opt package, installed into a temp tool path and run like a user runs it.</summary>
[TestClass]
public sealed class ToolPackageTests
{
    [TestMethod]
    public void AnalyzeRunsOnTheSeedCnn()
    {
        var run = InstalledTool.Current.Run(RepoPaths.Root, "analyze", Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), "--device-gflops", "1");
        Assert.IsTrue(run.Succeeded, run.Describe());
        StringAssert.Contains(run.Output, "Conv");
        StringAssert.Contains(run.Output, "1,066,268", "the seed CNN's total FLOPs as the cost model counts them");
    }

    [TestMethod]
    public void VersionIsThePackageVersion()
    {
        var run = InstalledTool.Current.Run(RepoPaths.Root, "--version");
        Assert.IsTrue(run.Succeeded, run.Describe());
        StringAssert.StartsWith(run.Output.Trim(), InstalledTool.Current.Version);
    }

    [TestMethod]
    public void InstallsAsALocalToolThroughAManifest()
    {
        var feed = LocalFeed.Current;
        using var folder = new TempFolder("modelopt-local-tool");
        File.WriteAllText(folder.File("NuGet.config"), feed.NuGetConfig());
        var timeout = TimeSpan.FromMinutes(3);

        var manifest = ChildProcess.Run("dotnet", ["new", "tool-manifest"], folder.Path, timeout);
        Assert.IsTrue(manifest.Succeeded, manifest.Describe());
        var install = ChildProcess.Run("dotnet", ["tool", "install", "dotnet-model-opt", "--add-source", feed.Folder, "--version", feed.Version], folder.Path, timeout);
        Assert.IsTrue(install.Succeeded, install.Describe());
        // .NET 10's template writes dotnet-tools.json in the folder itself; older SDKs wrote .config/dotnet-tools.json.
        string manifestFile = new[] { "dotnet-tools.json", ".config/dotnet-tools.json" }.Select(folder.File).First(File.Exists);
        StringAssert.Contains(File.ReadAllText(manifestFile), "\"dotnet-model-opt\"");

        // How a CI job calls it after `dotnet tool restore`.
        var version = ChildProcess.Run("dotnet", ["model-opt", "--version"], folder.Path, timeout);
        Assert.IsTrue(version.Succeeded, version.Describe());
        StringAssert.StartsWith(version.Output.Trim(), feed.Version);
    }

    [TestMethod]
    public void EveryCommandsHelpShowsExamples()
    {
        foreach (string command in new[] { "analyze", "optimize", "validate", "check", "init" })
        {
            var run = InstalledTool.Current.Run(RepoPaths.Root, command, "--help");
            Assert.IsTrue(run.Succeeded, run.Describe());
            StringAssert.Contains(run.Output, "Examples:", $"'{command} --help' has no examples");
            StringAssert.Contains(run.Output, $"dotnet model-opt {command} ");
        }
    }
}
