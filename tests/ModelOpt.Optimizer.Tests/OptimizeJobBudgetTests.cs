using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// What the MSBuild task relies on from <see cref="OptimizeJob"/>: the budget table travels in the
/// report written beside the model, a broken budget writes nothing and carries every broken verdict,
/// and synthetic calibration comes back as a coded warning, not only a note.
/// </summary>
[TestClass]
public sealed class OptimizeJobBudgetTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestMethod]
    public void KeptBudgetsAreInTheReportBesideTheModel()
    {
        using var temp = new TempFolder();
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = Seed,
            OutputPath = temp.File("seed.onnx"),
            Passes = ["freeze"],
            Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxFlops", "2M"), KeyValuePair.Create("MaxParams", "1M")]),
        });
        string reportPath = RunReportJson.PathBeside(result.OutputPath);
        RunReportJson.Write(RunReportBuilder.From(result, new ReportContext { Command = "build", BaseDirectory = temp.Path }), reportPath);

        var read = RunReportJson.Deserialize(File.ReadAllText(reportPath));
        // The budgets set, then the default fidelity floor (no output budget was set; the seed's digits have labels).
        CollectionAssert.AreEqual(new[] { "maxFlops", "maxParams", "maxAccuracyDrop" }, read.Budgets.Select(b => b.Key).ToArray());
        Assert.IsTrue(read.Budgets.Take(2).All(b => b.Kept && b.Measured > 0));
        Assert.IsTrue(read.Budgets[2] is { Kept: true, Measured: 0 }, "freeze keeps every answer");
        StringAssert.Contains(read.Budgets[2].Note, "the default fidelity floor");
        Assert.AreEqual(2000, read.Comparison?.Samples);
    }

    [TestMethod]
    public void BrokenBudgetsWriteNothingAndCarryEveryBrokenVerdict()
    {
        using var temp = new TempFolder();
        var options = new OptimizeOptions
        {
            ModelPath = Seed,
            OutputPath = temp.File("seed.onnx"),
            Passes = ["freeze"],
            Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxFlops", "1000"), KeyValuePair.Create("MaxParams", "1K"), KeyValuePair.Create("MaxSize", "1GB")]),
        };

        var e = Assert.ThrowsExactly<BudgetBrokenException>(() => OptimizeJob.Run(options));

        Assert.AreEqual(ErrorCode.BudgetBroken, e.Code);
        Assert.AreEqual(Seed, e.File);
        CollectionAssert.AreEqual(new[] { "maxFlops", "maxParams" }, e.Report!.Broken.Select(v => v.Budget.Definition.Key).ToArray());
        StringAssert.StartsWith(e.Report.Broken.First().Headline(), "maxFlops 1.066 MFLOPs exceeds 1 KFLOPs");
        Assert.AreEqual(0, temp.ListFiles().Count, "a broken budget must leave nothing behind");
    }

    [TestMethod]
    public void SyntheticCalibrationIsACodedWarning()
    {
        using var temp = new TempFolder();
        // A copy without seed-cnn.samples/ beside it, so calibration has no data to find.
        string model = temp.File("lonely.onnx");
        File.Copy(Seed, model);
        // int8 of a model this small is often no faster; allowSlower keeps the run about calibration.
        File.WriteAllText(temp.File("modelopt.json"), """{ "quantize": { "allowSlower": true } }""");
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["quantize"], ConfigPath = temp.File("modelopt.json"), CalibrationSamples = 4,
        });

        var warning = result.Warnings.Single(w => w.Code == WarningCode.SyntheticCalibration);
        Assert.AreEqual(model, warning.File);
        StringAssert.Contains(warning.Message, "4 seeded synthetic samples");
        StringAssert.StartsWith(warning.ToString(), $"{model}: warning MOPT5001: ");
    }
}
