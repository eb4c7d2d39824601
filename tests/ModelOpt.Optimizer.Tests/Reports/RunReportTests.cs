using System.Text.Json;
using System.Text.RegularExpressions;
using ModelOpt.Engine.Budgets;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Optimizer.Tests.Reports;

/// <summary>
/// The one report schema (docs/report.md) that the tool and the MSBuild task both write: paths
/// relative to the project or current folder, rounded numbers, version, settings and a timestamp.
/// </summary>
[TestClass]
public sealed partial class RunReportTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [GeneratedRegex(@"""-?\d+\.\d{7,}")]
    private static partial Regex LongFraction();

    [TestMethod]
    public void ABuildReportHoldsNoAbsolutePathAndNoUnroundedNumber()
    {
        using var project = new TempFolder("modelopt-report");
        string model = project.File("Models/seed-cnn.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        File.Copy(Seed, model);
        CopyFolder(Path.Combine(RepoPaths.Models, "seed-cnn.samples"), project.File("Models/seed-cnn.samples"));
        var options = new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = project.File("obj/modelopt/Models/seed-cnn.onnx"),
            Passes = ["freeze", "lowrank"],
            Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxAccuracyDrop", "5"), KeyValuePair.Create("MaxFlops", "1.1M")]),
        };
        var result = OptimizeJob.Run(options);

        var report = RunReportBuilder.From(result, new ReportContext
        {
            Command = "build",
            BaseDirectory = project.Path,
            Settings = RunReportBuilder.Settings(options, project.Path),
            CandidatePath = project.File("bin/Debug/net10.0/Models/seed-cnn.onnx"),
        });
        string json = RunReportJson.Serialize(report);

        Assert.IsFalse(json.Contains(project.Path, StringComparison.Ordinal), "a build-machine path leaked: " + json);
        Assert.IsFalse(LongFraction().IsMatch(json), "an unrounded number: " + LongFraction().Match(json).Value);
        Assert.AreEqual("Models/seed-cnn.onnx", report.Baseline.Path);
        Assert.AreEqual("bin/Debug/net10.0/Models/seed-cnn.onnx", report.Candidate!.Path);
        Assert.AreEqual("Models/seed-cnn.samples", Regex.Match(report.Comparison!.Data, @"Models/[\w.-]+").Value);
        Assert.AreEqual(RunReport.CurrentSchema, report.Schema);
        Assert.AreEqual("build", report.Command);
        StringAssert.StartsWith(report.Tool.Version, typeof(RunReport).Assembly.GetName().Version!.ToString(3));
        StringAssert.Matches(report.Created, new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        CollectionAssert.AreEqual(new[] { "freeze", "lowrank" }, report.Settings.Passes!.ToArray());
        Assert.AreEqual("5 points", report.Settings.Budgets!["maxAccuracyDrop"]);
        Assert.AreEqual(true, report.Written);
    }

    [TestMethod]
    public void TheReportRoundTripsAndCarriesEveryBudgetWithItsUnit()
    {
        using var temp = new TempFolder();
        var options = new OptimizeOptions
        {
            ModelPath = Seed,
            OutputPath = temp.File("seed.onnx"),
            Passes = ["freeze"],
            Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxFlops", "2M"), KeyValuePair.Create("MinCosine", "99%")]),
        };
        var report = RunReportBuilder.From(OptimizeJob.Run(options), new ReportContext { Command = "optimize", BaseDirectory = temp.Path });

        var read = RunReportJson.Deserialize(RunReportJson.Serialize(report));

        Assert.AreEqual(RunReportJson.Serialize(report), RunReportJson.Serialize(read));
        var flops = read.Budgets.Single(b => b.Key == "maxFlops");
        Assert.AreEqual(("atMost", "FLOPs", 2_000_000d, 1_066_268d, "2 MFLOPs"), (flops.Direction, flops.Unit, flops.Limit, flops.Measured, flops.LimitText));
        var cosine = read.Budgets.Single(b => b.Key == "minCosine");
        Assert.AreEqual(("atLeast", "fraction", 0.99, 1d, true), (cosine.Direction, cosine.Unit, cosine.Limit, cosine.Measured, cosine.Kept));
        using var document = JsonDocument.Parse(RunReportJson.Serialize(report));
        Assert.AreEqual(JsonValueKind.Array, document.RootElement.GetProperty("budgets").ValueKind, "budgets is the one array of verdicts");
        Assert.IsFalse(document.RootElement.TryGetProperty("validation", out _), "no second layout");
    }

    [TestMethod]
    public void TimestampFollowsSourceDateEpoch()
    {
        Assert.AreEqual("2026-01-02T03:04:05Z", RunReportBuilder.Timestamp(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        Assert.AreEqual("2026-01-02T03:04:05Z", RunReportBuilder.Timestamp(new DateTimeOffset(2026, 1, 2, 4, 4, 5, 321, TimeSpan.FromHours(1))));
    }

    private static void CopyFolder(string source, string target)
    {
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
