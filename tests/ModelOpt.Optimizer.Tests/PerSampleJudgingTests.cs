using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Optimizer;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// Output budgets judged as the application reads the output: per sample (the worst named, the
/// pooled figure beside it), by kind (agreement only where there is a class axis), by the bound.
/// Small generated models: an identity is the original, a Relu the candidate, which differs only on
/// samples with negative values.
/// </summary>
[TestClass]
public sealed class PerSampleJudgingTests
{
    private const int Width = 8;

    // x [N, 8] → op → "{name}_out".
    private static Model Net(string op, string name)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [null, Width]);
        g.AddOutput(g.CreateNode(op, [x], name: name).Output(0));
        return model;
    }

    private static ModelUnderTest Under(Model model, string name) => new(model, name, 100);

    private static ValidationSettings Settings(string folder, OutputKinds? kinds = null) => new()
    {
        DataPath = folder,
        Comparison = new ComparisonSettings { LatencyRuns = 0, Kinds = kinds ?? OutputKinds.None },
    };

    // Ten samples of one row each, 000.npy … 009.npy: large positive values, except sample 7, small and half negative.
    private static void WriteSamples(string folder)
    {
        var random = new Random(3);
        for (int i = 0; i < 10; i++)
        {
            var row = new float[Width];
            for (int j = 0; j < Width; j++) row[j] = i == 7 ? (j % 2 == 0 ? 1 : -1) : 5 + (float)random.NextDouble() * 5;
            NpyFile.Write(Path.Combine(folder, $"{i:D3}.npy"), [1, Width], row);
        }
    }

    [TestMethod]
    public void TheWorstSampleBreaksACosineBudgetThePooledFigureWouldKeepAndIsNamed()
    {
        using var folder = new TempFolder();
        WriteSamples(folder.Path);
        var budgets = BudgetSet.FromText([KeyValuePair.Create("minCosine", "0.99")]);
        var report = BudgetValidator.Validate(Under(Net("Identity", "embedding"), "original"), Under(Net("Relu", "embedding"), "candidate"), budgets, Settings(folder.Path));

        var c = report.Comparison!;
        Assert.IsGreaterThan(0.99, c.MinCosine, "pooled over all samples, the one bad sample hides");
        Assert.AreEqual(10, c.Outputs[0].SampleCosines.Count);
        Assert.AreEqual(7, c.Outputs[0].WorstCosineSample);
        Assert.IsLessThan(0.8, c.WorstSample!.Value.Cosine);
        Assert.AreEqual("007.npy", c.WorstSample.Value.Sample);

        var verdict = report.Verdicts.Single();
        Assert.IsFalse(verdict.Kept);
        StringAssert.Contains(verdict.Message(), "at the worst sample '007.npy' (pooled 0.99");
        Assert.AreEqual("007.npy", verdict.Estimate!.WorstSample);
        StringAssert.Contains(c.Summary(), "at the worst sample '007.npy'");
    }

    [TestMethod]
    public void AFeatureVectorHasNoAgreementAndAnAgreementBudgetSaysWhy()
    {
        using var folder = new TempFolder();
        WriteSamples(folder.Path);
        var budgets = BudgetSet.FromText([KeyValuePair.Create("minAgreement", "0.9")]);
        var report = BudgetValidator.Validate(Under(Net("Identity", "embedding"), "original"), Under(Net("Relu", "embedding"), "candidate"), budgets, Settings(folder.Path));

        var c = report.Comparison!;
        Assert.AreEqual(OutputKind.Features, c.Outputs[0].Kind);
        Assert.IsFalse(c.HasClassAxis);
        Assert.IsNull(c.Outputs[0].Agreement);
        Assert.DoesNotContain("agreement", c.Summary());
        StringAssert.Contains(c.Summary(), "outputs taken for: embedding_out features");
        var verdict = report.Verdicts.Single();
        Assert.IsFalse(verdict.Kept);
        Assert.IsNull(verdict.Measured);
        StringAssert.Contains(verdict.Message(), "no output compared has a class axis (embedding_out: features)");
    }

    [TestMethod]
    public void TheUserSaysWhatAnOutputIs()
    {
        using var folder = new TempFolder();
        WriteSamples(folder.Path);
        var kinds = OutputKinds.Parse(["embedding_out=classes"]);
        var report = BudgetValidator.Validate(Under(Net("Identity", "embedding"), "original"), Under(Net("Relu", "embedding"), "candidate"),
            BudgetSet.FromText([KeyValuePair.Create("minAgreement", "0.5")]), Settings(folder.Path, kinds));
        var output = report.Comparison!.Outputs[0];
        Assert.AreEqual(OutputKind.Classes, output.Kind);
        Assert.AreEqual("given", output.KindReason);
        Assert.AreEqual(1.0, output.Agreement, "Relu keeps every sample's largest value");
        StringAssert.Contains(report.Comparison.Summary(), "agreement 1,");
        var verdict = report.Verdicts.Single();
        Assert.IsTrue(verdict.Kept);
        StringAssert.Contains(verdict.Message(), "95 % bound 0.74", "10 of 10 agree: the exact bound is 0.05^(1/10)");

        var unknown = Assert.ThrowsExactly<ModelOptException>(() => BudgetValidator.Validate(Under(Net("Identity", "embedding"), "original"), Under(Net("Relu", "embedding"), "candidate"),
            BudgetSet.None, Settings(folder.Path, OutputKinds.Parse(["nothing=classes"])) with { AlwaysCompare = true }));
        Assert.AreEqual(ErrorCode.UnknownOutputName, unknown.Code);
    }

    // 20 samples in one file x.npy [20, 4]; labels the original's own top-1 (so it scores 100 %).
    private static Model Logits()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [null, 4]);
        g.AddOutput(g.CreateNode("Identity", [x], name: "logits").Output(0));
        return model;
    }

    private static void WriteLabelled(string folder, int count)
    {
        var random = new Random(11);
        var rows = new float[count * 4];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 4; j++) rows[i * 4 + j] = (float)(random.NextDouble() * 2 - 1);
            labels[i] = Enumerable.Range(0, 4).MaxBy(j => rows[i * 4 + j]);
        }
        NpyFile.Write(Path.Combine(folder, "x.npy"), [count, 4], rows);
        File.WriteAllText(Path.Combine(folder, "labels.txt"), string.Join(' ', labels));
    }

    [TestMethod]
    public void TwentySamplesCannotResolveAOnePointDropAndSaySo()
    {
        using var folder = new TempFolder();
        WriteLabelled(folder.Path, 20);
        var budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        var report = BudgetValidator.Validate(Under(Logits(), "original"), Under(Logits(), "candidate"), budgets, Settings(folder.Path));

        var warning = report.Warnings.Single();
        Assert.AreEqual(WarningCode.SamplesCannotResolveBudget, warning.Code);
        StringAssert.Contains(warning.Message, "20 samples cannot resolve maxAccuracyDrop 1 points");
        StringAssert.Contains(warning.Message, "at least 268 samples");
        var verdict = report.Verdicts.Single();
        Assert.IsTrue(verdict.Kept, "an identical candidate keeps the budget the samples can hold");
        Assert.AreEqual(11.9158, verdict.JudgedLimit!.Value, 1e-4, "z² / (20 + z²) in points");
        Assert.AreEqual("logits_out", report.Comparison!.AccuracyOutput);
        Assert.AreEqual(OutputKind.Classes, report.Comparison.Outputs[0].Kind);
        Assert.AreEqual("x.npy[3]", report.Comparison.SampleName(3));
    }

    [TestMethod]
    public void AnOptimizeRunWarnsWhenItsSamplesCannotResolveTheBudget()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        Directory.CreateDirectory(data);
        WriteLabelled(data, 20);
        string model = folder.File("logits.onnx");
        var net = Logits();
        Engine.Shapes.ShapeInference.Run(net, Engine.Shapes.ShapeBindings.None);
        ModelWriter.Save(net, model);
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = folder.File("out.onnx"),
            Passes = [],
            DataPath = data,
            Budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]),
        });
        Assert.AreEqual(1, result.Warnings.Count(w => w.Code == WarningCode.SamplesCannotResolveBudget));
    }

    [TestMethod]
    public void ASearchWhoseSamplesCannotHoldTheBudgetGoesOnWithTheOneTheyCanAndTheLockAndReplayJudgeThatOne()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        Directory.CreateDirectory(data);
        WriteLabelled(data, 60);
        string model = folder.File("logits.onnx");
        var net = Logits();
        Engine.Shapes.ShapeInference.Run(net, Engine.Shapes.ShapeBindings.None);
        ModelWriter.Save(net, model);
        string lockPath = folder.File("logits.lock.json");
        OptimizeOptions Options() => new()
        {
            ModelPath = model,
            OutputPath = folder.File("out.onnx"),
            Passes = ["lowrank"],
            Search = true,
            DataPath = data,
            LockPath = lockPath,
            Budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]),
        };

        var first = OptimizeJob.Run(Options());
        var said = first.Warnings.Where(w => w.Code == WarningCode.SamplesCannotResolveBudget).ToList();
        var verdict = first.Validation!.Verdicts.Single(v => v.Budget.Definition == BudgetDefinition.MaxAccuracyDrop);
        // Said once, up front, with the limit the run then judged by: the confirmation, its report line and the lock.
        Assert.AreEqual(1, said.Count, string.Join("\n", first.Warnings.Select(w => w.Message)));
        StringAssert.Contains(said[0].Message, $"the search goes on with maxAccuracyDrop {verdict.Budget.Limit.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} points");
        Assert.AreEqual(1.0, verdict.Budget.Asked);
        Assert.IsGreaterThan(1.0, verdict.Budget.Limit);
        Assert.IsTrue(verdict.Kept, verdict.Message());
        StringAssert.Contains(verdict.Message(), "(asked 1 points; the strictest these samples can hold)");
        StringAssert.Contains(string.Join("\n", first.SearchLog), "search: warning MOPT5020");
        var locked = Engine.Plan.LockFileReader.Load(lockPath, Engine.Passes.PassRegistry.Default.Names.ToList()).Budgets.Single(b => b.Budget == "maxAccuracyDrop");
        Assert.AreEqual(verdict.Budget.Limit, locked.Limit, 1e-12);
        Assert.AreEqual(1.0, locked.Asked);

        // The same request replays the lock and judges the limit it records, not the one it cannot hold.
        var again = OptimizeJob.Run(Options());
        Assert.IsTrue(again.Replayed);
        var replayed = again.Validation!.Verdicts.Single(v => v.Budget.Definition == BudgetDefinition.MaxAccuracyDrop);
        Assert.AreEqual(verdict.Budget.Limit, replayed.Budget.Limit, 1e-12);
        Assert.AreEqual(1.0, replayed.Budget.Asked);
    }

    [TestMethod]
    public void AnAccuracyBudgetWithoutLabelsIsAUsageError()
    {
        using var folder = new TempFolder();
        WriteSamples(folder.Path);
        var budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        var e = Assert.ThrowsExactly<ModelOptException>(() =>
            BudgetValidator.Validate(Under(Net("Identity", "logits"), "original"), Under(Net("Relu", "logits"), "candidate"), budgets, Settings(folder.Path)));
        Assert.AreEqual(ErrorCode.LabelsMissing, e.Code);
        Assert.AreEqual(ExitCodes.UsageError, e.Code.ExitCode());
        StringAssert.Contains(e.Message, "maxAccuracyDrop (--max-accuracy-drop) needs labels");
    }
}
