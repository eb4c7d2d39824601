using System.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Validation;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/SeedConsumer: a console app that references ModelOpt.Build, Google.Protobuf 3.25.1
/// and ONNX Runtime 1.30.0 (the task carries 3.36.2 and 1.31.1) and lists the seed CNN as an OnnxModel.
/// One sequence of real builds, shared by every assertion: build, build again, publish, clean.
/// </summary>
[TestClass]
public sealed class SeedConsumerBuildTests
{
    private const string Model = "Models/seed-cnn.onnx";
    private const string OutputFolder = "bin/Debug/net10.0";

    private static ConsumerProject s_project = null!;
    private static ProcessResult s_firstBuild = null!;
    private static ProcessResult s_secondBuild = null!;
    private static ProcessResult s_publish = null!;
    private static ProcessResult s_clean = null!;
    private static byte[] s_builtModel = [];
    private static string s_builtReport = "";
    private static string s_settings = "";
    private static DateTime s_firstWriteTime;
    private static DateTime s_secondWriteTime;
    private static string[] s_leftAfterClean = [];
    private static string s_protobufVersion = "";
    private static string s_onnxRuntimeVersion = "";
    private static bool s_engineLeaked;

    [ClassInitialize]
    public static void BuildTwicePublishAndClean(TestContext _)
    {
        s_project = new ConsumerProject("SeedConsumer", LocalFeed.Current);
        s_project.AddSeedModel("Models");
        string optimized = s_project.PathOf(Path.Combine(OutputFolder, Model));

        s_firstBuild = s_project.Run("build");
        if (!s_firstBuild.Succeeded) return;
        s_builtModel = File.ReadAllBytes(optimized);
        s_builtReport = File.ReadAllText(RunReportJson.PathBeside(optimized));
        s_firstWriteTime = File.GetLastWriteTimeUtc(s_project.PathOf("obj/Debug/net10.0/modelopt/" + Model));
        s_settings = File.ReadAllText(s_project.PathOf("obj/Debug/net10.0/modelopt/" + Model + ".settings"));

        // The task's 3.36.2 / 1.31.1 live in the package's tasks/ folder and must not reach the consumer's output.
        s_protobufVersion = ProductVersion(s_project.PathOf(Path.Combine(OutputFolder, "Google.Protobuf.dll")));
        s_onnxRuntimeVersion = ProductVersion(s_project.PathOf(Path.Combine(OutputFolder, "Microsoft.ML.OnnxRuntime.dll")));
        s_engineLeaked = File.Exists(s_project.PathOf(Path.Combine(OutputFolder, "ModelOpt.Engine.dll")));

        s_secondBuild = s_project.Run("build");
        s_secondWriteTime = File.GetLastWriteTimeUtc(s_project.PathOf("obj/Debug/net10.0/modelopt/" + Model));

        s_publish = s_project.Run("publish", "--no-build", "-c", "Debug", "-o", s_project.PathOf("published"));

        s_clean = s_project.Run("clean");
        s_leftAfterClean = new[] { Path.Combine(OutputFolder, Model), Path.Combine(OutputFolder, "Models/seed-cnn.report.json"), "obj/Debug/net10.0/modelopt" }
            .Where(p => File.Exists(s_project.PathOf(p)) || Directory.Exists(s_project.PathOf(p))).ToArray();
    }

    [ClassCleanup]
    public static void DeleteProject() => s_project?.Dispose();

    [TestMethod]
    public void BuildWritesTheOptimizedModelToBinAndItRunsInOnnxRuntime()
    {
        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        // One line, naming where the app finds the model (bin/, not obj/), in words that cannot be misread.
        var summaries = s_firstBuild.Output.Split('\n').Where(l => l.Contains($"ModelOpt: {Model} -> ", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual(1, summaries.Length, string.Join("\n", summaries));
        StringAssert.Contains(summaries[0], $"ModelOpt: {Model} -> {OutputFolder}/{Model} (passes: none applied; no change: freeze, separable;");
        StringAssert.Contains(summaries[0], "(no change)");

        var model = ModelLoader.Load(new MemoryStream(s_builtModel), Model);
        using var runner = OrtModelRunner.FromBytes(s_builtModel, Model);
        var outputs = runner.Run(SyntheticInputs.For(model));
        Assert.AreEqual(1, outputs.Count);
        CollectionAssert.AreEqual(new long[] { 1, 10 }, outputs[0].Shape);

        var report = RunReportJson.Deserialize(s_builtReport);
        CollectionAssert.AreEqual(new[] { "freeze", "separable" }, report.Passes.Select(p => p.Pass).ToArray());
        Assert.AreEqual(("build", Model, $"{OutputFolder}/{Model}"), (report.Command, report.Baseline.Path, report.Candidate!.Path));
        Assert.IsFalse(s_builtReport.Contains(s_project.Directory, StringComparison.Ordinal), "the published report holds a build-machine path: " + s_builtReport);
        StringAssert.StartsWith(report.Tool.Version, LocalFeed.Current.Version);
    }

    [TestMethod]
    public void KeptBudgetIsInTheReportAndTheSettingsStamp()
    {
        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        var budgets = RunReportJson.Deserialize(s_builtReport).Budgets;
        // The budget set, then the default fidelity floor (no output budget; the samples beside the model have labels).
        CollectionAssert.AreEqual(new[] { "maxFlops", "maxAccuracyDrop" }, budgets.Select(b => b.Key).ToArray());
        var verdict = budgets[0];
        Assert.AreEqual(1_100_000, verdict.Limit);
        Assert.IsTrue(verdict.Kept && verdict.Measured > 0, verdict.Message);
        // A changed budget must re-run the target: it is part of the stamp the target's Inputs include.
        StringAssert.Contains(s_settings, "maxFlops=1.1M");
    }

    [TestMethod]
    public void SecondBuildDoesNotRunTheOptimizer()
    {
        Assert.IsTrue(s_secondBuild.Succeeded, s_secondBuild.Describe());
        StringAssert.Contains(s_secondBuild.Output, "Skipping target \"_ModelOptOptimizeModels\" because all output files are up-to-date");
        Assert.IsFalse(s_secondBuild.Output.Contains($"ModelOpt: {Model} -> "), "the optimizer ran again: " + s_secondBuild.Describe());
        Assert.AreEqual(s_firstWriteTime, s_secondWriteTime, "the intermediate model was rewritten");
    }

    [TestMethod]
    public void PublishCopiesTheModelAndReportUnderTheSameRelativePath()
    {
        Assert.IsTrue(s_publish.Succeeded, s_publish.Describe());
        CollectionAssert.AreEqual(s_builtModel, File.ReadAllBytes(s_project.PathOf("published/" + Model)));
        Assert.IsTrue(File.Exists(s_project.PathOf("published/Models/seed-cnn.report.json")));
    }

    [TestMethod]
    public void CleanRemovesTheOptimizedModelsAndReports()
    {
        Assert.IsTrue(s_clean.Succeeded, s_clean.Describe());
        Assert.AreEqual(0, s_leftAfterClean.Length, "left after clean: " + string.Join(", ", s_leftAfterClean));
    }

    [TestMethod]
    public void ConsumerKeepsItsOwnProtobufAndOnnxRuntimeVersions()
    {
        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        Assert.AreEqual("3.25.1", s_protobufVersion);
        StringAssert.StartsWith(s_onnxRuntimeVersion, "1.30.0");
        Assert.IsFalse(s_engineLeaked, "the package leaked its assemblies into the consumer");
    }

    [TestMethod]
    public void BuildAndToolWriteByteIdenticalModels()
    {
        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        string output = s_project.PathOf("tool-optimized.onnx"), json = s_project.PathOf("tool-report.json");
        var run = InstalledTool.Current.Run(s_project.Directory, "optimize", Model, "-o", output, "--passes", "freeze,separable", "--max-flops", "1.1M", "--report", json);
        Assert.IsTrue(run.Succeeded, run.Describe());
        CollectionAssert.AreEqual(s_builtModel, File.ReadAllBytes(output));

        // One schema: what differs is only what says who ran it, when, and where the model went.
        var tool = RunReportJson.Deserialize(File.ReadAllText(json));
        var build = RunReportJson.Deserialize(s_builtReport);
        Assert.AreEqual(("optimize", "tool-optimized.onnx"), (tool.Command, tool.Candidate!.Path));
        Assert.AreEqual(Comparable(build), Comparable(tool));
    }

    // The report minus the command, the timestamp, the output path, what is timed (pass seconds, latency), the memory cap and the budget lines' wording.
    // The version's +commit metadata says which commit each package was packed from: the same in a real pack.
    private static string Comparable(RunReport r) => RunReportJson.Serialize(r with
    {
        Tool = r.Tool with { Version = r.Tool.Version.Split('+')[0] },
        Command = "",
        Created = "",
        Candidate = r.Candidate! with { Path = "" },
        Passes = r.Passes.Select(p => p with { Seconds = 0 }).ToList(),
        Comparison = r.Comparison is { } c ? c with { BaselineLatencyMs = null, CandidateLatencyMs = null, Speedup = null } : null,
        Notes = r.Notes.Where(n => !n.StartsWith("flagged:", StringComparison.Ordinal)).ToList(),
        // MOPT5005 quotes the measured speed-up.
        Warnings = r.Warnings.Select(w => w with { Message = "" }).ToList(),
        // Each front end names a budget as its user wrote it (MaxFlops in a build, maxFlops (--max-flops) in the tool).
        Budgets = r.Budgets.Select(b => b with { Message = "" }).ToList(),
        // The default memory cap is a share of the memory free when each run started.
        Runtime = r.Runtime is { } runtime ? runtime with { MemoryCapBytes = null } : null,
    });

    private static string ProductVersion(string path) =>
        FileVersionInfo.GetVersionInfo(path).ProductVersion?.Split('+')[0] ?? "";
}
