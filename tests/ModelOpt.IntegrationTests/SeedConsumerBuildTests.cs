using System.Diagnostics;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/SeedConsumer: a console app that references ModelOpt.Build, Google.Protobuf 3.25.1
/// and ONNX Runtime 1.30.0 (the task carries 3.36.2 and 1.31.1) and lists the seed CNN as an OnnxModel.
/// One sequence of real builds, shared by every assertion: build, build again, publish, clean.
/// Beside it, a generated model whose validation needs more than the former fixed 2 GiB memory cap
/// (a 1024² U-Net's case, in a model that runs in a fraction of a second), built with no memory setting,
/// and a tiny generated MLP with <c>Search="true"</c>, whose progress the first build shows at the default verbosity.
/// </summary>
[TestClass]
public sealed class SeedConsumerBuildTests
{
    private const string Model = "Models/seed-cnn.onnx";
    private const string OutputFolder = "bin/Debug/net10.0";
    private const string WideModel = "Models/wide/wide.onnx";
    private const string SearchedModel = "Models/tiny/tiny.onnx";
    private const long FormerDefaultCap = 2L << 30;

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
    private static ModelOptException? s_wideUnderDefaultCap;
    private static string s_wideReport = "";

    [ClassInitialize]
    public static void BuildTwicePublishAndClean(TestContext _)
    {
        s_project = new ConsumerProject("SeedConsumer", LocalFeed.Current);
        s_project.AddSeedModel("Models");
        // Built only where the machine's default cap holds it (the project lists it if it exists).
        WideActivations.WriteSamples(s_project.PathOf("Models/wide/wide.samples"));
        WideActivations.Write(s_project.PathOf(WideModel));
        s_wideUnderDefaultCap = WideMemoryCheck(Engine.Config.RuntimeConfig.DefaultMemoryCapBytes);
        if (s_wideUnderDefaultCap is not null) File.Delete(s_project.PathOf(WideModel));
        TinyMlp.WriteSamples(s_project.PathOf("Models/tiny/samples"));
        TinyMlp.Write(s_project.PathOf(SearchedModel));
        string optimized = s_project.PathOf(Path.Combine(OutputFolder, Model));

        // At the default verbosity (what a developer's plain `dotnet build` shows): the search's progress must be there.
        s_firstBuild = s_project.RunAtDefaultVerbosity("build");
        if (!s_firstBuild.Succeeded) return;
        s_builtModel = File.ReadAllBytes(optimized);
        s_builtReport = File.ReadAllText(RunReportJson.PathBeside(optimized));
        s_firstWriteTime = File.GetLastWriteTimeUtc(s_project.PathOf("obj/Debug/net10.0/modelopt/" + Model));
        s_settings = File.ReadAllText(s_project.PathOf("obj/Debug/net10.0/modelopt/" + Model + ".settings"));

        // The task's 3.36.2 / 1.31.1 live in the package's tasks/ folder and must not reach the consumer's output.
        s_protobufVersion = ProductVersion(s_project.PathOf(Path.Combine(OutputFolder, "Google.Protobuf.dll")));
        s_onnxRuntimeVersion = ProductVersion(s_project.PathOf(Path.Combine(OutputFolder, "Microsoft.ML.OnnxRuntime.dll")));
        s_engineLeaked = File.Exists(s_project.PathOf(Path.Combine(OutputFolder, "ModelOpt.Engine.dll")));
        string wideReport = RunReportJson.PathBeside(s_project.PathOf(Path.Combine(OutputFolder, WideModel)));
        if (File.Exists(wideReport)) s_wideReport = File.ReadAllText(wideReport);

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
    public void AModelOverTheFormerFixedCapBuildsWithNoMemorySetting()
    {
        // The trap: under a fixed 2 GiB cap this model stops at once with MOPT2008, as ISNet at 1024² did.
        var underFormerCap = WideMemoryCheck(FormerDefaultCap);
        Assert.AreEqual(ErrorCode.MemoryCapTooSmall, underFormerCap?.Code, "the generated model must need more than 2 GiB to validate");
        if (s_wideUnderDefaultCap is not null)
            throw Prerequisites.Missing("a machine whose default memory cap holds the generated model's validation",
                $"this machine's default cap ({Engine.Config.RuntimeConfig.DefaultMemoryCapBytes >> 20} MiB, half the memory available) is too small to show it: {s_wideUnderDefaultCap.Message}");

        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        Assert.IsFalse(s_firstBuild.Output.Contains("MOPT2008", StringComparison.Ordinal), s_firstBuild.Describe());
        StringAssert.Contains(s_firstBuild.Output, $"ModelOpt: {WideModel} -> {OutputFolder}/{WideModel}", s_firstBuild.Describe());
        var report = RunReportJson.Deserialize(s_wideReport);
        Assert.IsGreaterThan(FormerDefaultCap, report.Runtime!.MemoryCapBytes!.Value, "the cap the build ran under, sized from the machine");
        Assert.IsTrue(report.Budgets.All(b => b.Kept), string.Join("\n", report.Budgets.Select(b => b.Message)));
    }

    // What the optimizer checks before any pass runs: validation of the model and its rewrite side by side under the cap.
    private static ModelOptException? WideMemoryCheck(long cap)
    {
        string path = s_project.PathOf(WideModel);
        string model = File.Exists(path) ? path : WideActivations.Write(Path.Combine(Path.GetTempPath(), $"wide-{Guid.NewGuid():N}.onnx"));
        try
        {
            MemoryCheck.BeforeAnyPass(ModelLoader.Load(model), model, new ValidationSettings { DataPath = s_project.PathOf("Models/wide/wide.samples"), MemoryCapBytes = cap });
            return null;
        }
        catch (ModelOptException e)
        {
            return e;
        }
        finally
        {
            if (model != path) File.Delete(model);
        }
    }

    [TestMethod]
    public void ASearchShowsItsProgressAtTheDefaultVerbosity()
    {
        Assert.IsTrue(s_firstBuild.Succeeded, s_firstBuild.Describe());
        var lines = s_firstBuild.Output.Split('\n');
        int summary = Array.FindIndex(lines, l => l.Contains($"ModelOpt: {SearchedModel} -> {OutputFolder}/{SearchedModel}", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(0, summary, "no summary for the searched model: " + s_firstBuild.Describe());
        // A search runs for minutes on a real model: its lines, named by the item, come as it goes, before the summary.
        var progress = lines[..summary].Where(l => l.Contains($"ModelOpt: {SearchedModel}: search:", StringComparison.Ordinal)).ToArray();
        Assert.IsGreaterThanOrEqualTo(2, progress.Length, s_firstBuild.Describe());
        Assert.IsTrue(progress.Any(l => l.Contains("search: chose", StringComparison.Ordinal)), "the search ran to a choice: " + s_firstBuild.Describe());
        Assert.IsTrue(lines[..summary].Any(l => l.Contains($"ModelOpt: {SearchedModel}: confirmation:", StringComparison.Ordinal)), s_firstBuild.Describe());
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
        // Each front end names an option as its user writes it (Shape="input=DIMS" in a build, --shape input=DIMS in the tool).
        Notes = r.Notes.Where(n => !n.StartsWith("flagged:", StringComparison.Ordinal)).Select(OptionWords).ToList(),
        // MOPT5005 quotes the measured speed-up.
        Warnings = r.Warnings.Select(w => w with { Message = "" }).ToList(),
        // Each front end names a budget as its user wrote it (MaxFlops in a build, maxFlops (--max-flops) in the tool).
        Budgets = r.Budgets.Select(b => b with { Message = "" }).ToList(),
        // The default memory cap is a share of the memory free when each run started.
        Runtime = r.Runtime is { } runtime ? runtime with { MemoryCapBytes = null } : null,
    });

    // A note with the build's option words in the tool's: the rest of it must match.
    private static string OptionWords(string note) =>
        System.Text.RegularExpressions.Regex.Replace(note, "Shape=\"([^\"]*)\"", "--shape $1");

    private static string ProductVersion(string path) =>
        FileVersionInfo.GetVersionInfo(path).ProductVersion?.Split('+')[0] ?? "";
}
