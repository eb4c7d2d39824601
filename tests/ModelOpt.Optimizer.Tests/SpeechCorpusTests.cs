using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// Every speech corpus model (Silero VAD, openWakeWord) as a user would bring it: every standard op
/// counted, a lossless round trip, and freeze + quantize on its real audio either writing a faster
/// model within cosine 0.99 or saying why it cannot. Under CI a missing model fails the test.
/// </summary>
[TestClass]
public sealed class SpeechCorpusTests
{
    public static IEnumerable<object[]> Names => SpeechCorpus.Names;

    private static string Require(string file)
    {
        if (RealModels.TryGetPath(file, out string reason) is { } path) return path;
        string message = $"{file} unavailable: {reason}";
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 }) Assert.Fail(message + " (CI must have the fetched models: run eng/fetch-models.sh)");
        throw new AssertInconclusiveException(message);
    }

    private static ShapeBindings Bindings(SpeechModel m) => ShapeBindings.Parse(m.Shapes, m.Values);

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void AnalyzeCountsEveryStandardOp(string file)
    {
        var m = SpeechCorpus.Get(file);
        var report = ModelAnalyzer.Analyze(ModelLoader.Load(Require(file)), new AnalysisOptions { DeviceFlops = 1e9, Bindings = Bindings(m) });
        Assert.IsEmpty(report.UnknownOps.Where(op => !op.Contains(':')), string.Join(", ", report.UnknownOps));
        Assert.IsTrue(report.Nodes.All(n => n.Macs is not null), "uncounted: " + string.Join(", ", report.Nodes.Where(n => n.Macs is null).Take(5).Select(n => $"{n.Name} ({n.Note})")));
        Assert.IsGreaterThan(50_000L, report.Totals.Macs);
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void TheRoundTripIsBitExact(string file)
    {
        var m = SpeechCorpus.Get(file);
        string source = Require(file);
        using var folder = new TempFolder();
        string saved = folder.File(file);
        OptimizeJob.Run(new OptimizeOptions { ModelPath = source, OutputPath = saved, Passes = ["none"], Shapes = m.Shapes, Values = m.Values });
        var model = ModelLoader.Load(source);
        ShapeInference.Run(model, Bindings(m));
        var shapes = model.Graph.Inputs.Where(v => v.Initializer is null).ToDictionary(v => v.Name, v => v.Shape!);
        RoundTripAssertions.AssertSameOutputs(source, saved, model, shapes);
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void QuantizeOnRealDataIsFasterOrSaysWhyNot(string file)
    {
        var m = SpeechCorpus.Get(file);
        using var folder = new TempFolder();
        string output = folder.File(file);
        var options = new OptimizeOptions
        {
            ModelPath = Require(file),
            OutputPath = output,
            Passes = ["freeze", "quantize"],
            DataPath = m.DataPath,
            Shapes = m.Shapes,
            Values = m.Values,
            State = m.State,
            CalibrationSamples = 16,
            Budgets = Engine.Budgets.BudgetSet.FromText([new("minCosine", "0.99")]),
        };
        OptimizeResult result;
        try
        {
            result = OptimizeJob.Run(options);
        }
        catch (ModelOptException e)
        {
            // A refusal must say what to do instead, and write nothing: int8 slower on a tiny model
            // points at the size wins; int8 that costs fidelity points at the search.
            Assert.AreEqual(ErrorCode.BudgetBroken, e.Code, e.Message);
            Assert.IsTrue(e.Message.Contains("already runs in") && e.Message.Contains("fp16")
                || e.Message.Contains("minCosine") && e.Message.Contains("--search"), e.Message);
            Assert.IsFalse(File.Exists(output));
            return;
        }
        var skipped = result.Warnings.FirstOrDefault(w => w.Code == WarningCode.PassSkipped);
        if (skipped is not null)
        {
            // int8 did not pay and was left out: said once, with the size wins that remain.
            StringAssert.Contains(skipped.Message, "already runs in");
            StringAssert.Contains(skipped.Message, "fp16");
            Assert.IsFalse(result.Passes.Any(r => r.Pass == "quantize"));
            return;
        }
        // With the sample rate bound, freeze inlines the branch it selects: the passes reach the compute.
        Assert.IsFalse(result.Warnings.Any(w => w.Code == WarningCode.WorkInsideSubgraphs), string.Join("\n", result.Warnings.Select(w => w.Message)));
        Assert.IsTrue(result.Validation!.AllKept);
        Assert.IsTrue(result.Notes.Any(n => n.StartsWith("speed check:", StringComparison.Ordinal)), "a written int8 model passed the speed check");
    }

    public static IEnumerable<object[]> SampleRateModels => SpeechCorpus.All.Where(m => m.Values.Any(v => v.StartsWith("sr=", StringComparison.Ordinal))).Select(m => new object[] { m.File });

    [TestMethod]
    [DynamicData(nameof(SampleRateModels))]
    public void FreezeInlinesTheBranchTheBoundSampleRateSelects(string file)
    {
        var m = SpeechCorpus.Get(file);
        using var folder = new TempFolder();
        string output = folder.File(file);
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = Require(file),
            OutputPath = output,
            Passes = ["freeze"],
            DataPath = m.DataPath,
            Shapes = m.Shapes,
            Values = m.Values,
            State = m.State,
            CalibrationSamples = 8,
        });
        var written = ModelLoader.Load(output);
        Assert.IsFalse(written.Graph.AllNodes().Any(n => n.OpType == "If"), "every If the sample rate decides is gone");
        Assert.IsFalse(written.Graph.Inputs.Any(v => v.Name == "sr"));
        Assert.IsTrue(written.Graph.Nodes.Any(n => n.OpType == "LSTM"), "the network is in the main graph now");
        Assert.AreEqual(1.0, result.Validation!.Comparison!.MinCosine, 1e-5, "inlining changes no arithmetic");
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void NoCorpusModelCrashesTheToolWithoutBindings(string file)
    {
        using var folder = new TempFolder();
        string output = folder.File(file);
        try
        {
            OptimizeJob.Run(new OptimizeOptions { ModelPath = Require(file), OutputPath = output, Passes = ["fp16"] });
            Assert.IsTrue(File.Exists(output));
        }
        catch (ModelOptException e)
        {
            // A clear error naming an input to bind, never a crash.
            Assert.AreNotEqual(0, e.Code.ExitCode());
            StringAssert.Matches(e.Message, new System.Text.RegularExpressions.Regex("input '[^']+'|--shape|--value"));
            Assert.IsFalse(File.Exists(output));
        }
    }
}
