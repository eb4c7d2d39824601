using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// Budgets through the tool on the trained seed CNN and its held-out digits. The candidate is the
/// seed CNN with fc1 factorized at rank 24 (accuracy 97.95 % → 97.6 %, FLOPs 1.07 M → 473 K), made
/// once for the class; each budget is checked once with a limit it keeps and once with one it breaks.
/// </summary>
[TestClass]
public sealed class BudgetCommandTests
{
    private static string _dir = "";
    private static string _candidate = "";
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [ClassInitialize]
    public static void MakeCandidate(TestContext _)
    {
        _dir = Directory.CreateTempSubdirectory("modelopt-budgets-").FullName;
        string config = Path.Combine(_dir, "lowrank.json");
        File.WriteAllText(config, """{ "passes": ["lowrank"], "lowrank": { "rank": 24 }, "overrides": { "nodes": { "^fc2$": { "lowrank": null } } } }""");
        _candidate = Path.Combine(_dir, "candidate.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", _candidate, "--config", config);
        Assert.AreEqual(0, result.ExitCode, result.Error);
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    // Output budgets are judged by their 95 % bound, and the cosine per sample (the worst): the
    // candidate drops 0.35 points (bound about 0.8) and its worst digit has cosine 0.87 (pooled 0.98).
    [DataRow("--max-accuracy-drop", "1", "0.2")]
    [DataRow("--min-agreement", "0.98", "99.5%")]
    [DataRow("--min-cosine", "0.85", "0.98")]
    [DataRow("--max-flops", "500K", "400KFLOPs")]
    [DataRow("--max-params", "80K", "70K")]
    [DataRow("--max-size", "300KB", "250KB")]
    [DataRow("--min-flop-reduction", "2", "2.5x")]
    [DataRow("--max-latency-ms", "1000", "0.0001")]
    [DataRow("--min-speedup", "0.01", "1000x")]
    public void ValidateKeepsAndBreaksEachBudget(string option, string kept, string broken)
    {
        var ok = ToolRunner.Run("validate", Seed, _candidate, option, kept, "--runs", "3");
        Assert.AreEqual(0, ok.ExitCode, ok.Out + ok.Error);
        StringAssert.Contains(ok.Out, "kept");

        var bad = ToolRunner.Run("validate", Seed, _candidate, option, broken, "--runs", "3");
        Assert.AreEqual(1, bad.ExitCode, bad.Out + bad.Error);
        StringAssert.Contains(bad.Error, "MOPT4001");
        StringAssert.Contains(bad.Error, option);
        StringAssert.Contains(bad.Error, "limit");
    }

    [TestMethod]
    public void ValidateUsesTheSamplesBesideTheModelAndSaysSo()
    {
        var result = ToolRunner.Run("validate", Seed, _candidate, "--runs", "3");
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Out, "seed-cnn.samples");
        StringAssert.Contains(result.Out, "97.95 %");
        StringAssert.Contains(result.Out, "97.6 %");
    }

    [TestMethod]
    public void AccuracyBudgetWithoutLabelsIsAUsageError()
    {
        // Labels missing is the user's setting at fault (exit 2), not a broken budget (exit 1).
        string other = Path.Combine(_dir, "nolabels");
        Directory.CreateDirectory(other);
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.samples", "input.npy"), Path.Combine(other, "input.npy"), overwrite: true);
        var result = ToolRunner.Run("validate", Seed, _candidate, "--data", other, "--samples", "100", "--runs", "0", "--max-accuracy-drop", "1");
        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "MOPT2032");
        StringAssert.Contains(result.Error, "maxAccuracyDrop (--max-accuracy-drop) needs labels");
        var optimize = ToolRunner.Run("optimize", Seed, "-o", Path.Combine(_dir, "never.onnx"), "--passes", "freeze", "--data", other, "--max-accuracy-drop", "1");
        Assert.AreEqual(2, optimize.ExitCode, optimize.Error);
        StringAssert.Contains(optimize.Error, "MOPT2032");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "never.onnx")));
    }

    [TestMethod]
    [DataRow("--max-flops", "500K", "400K")]
    [DataRow("--max-params", "80K", "70K")]
    [DataRow("--max-size", "300KB", "250KB")]
    [DataRow("--max-latency-ms", "1000", "0.0001")]
    public void CheckKeepsAndBreaksEachStaticBudget(string option, string kept, string broken)
    {
        Assert.AreEqual(0, ToolRunner.Run("check", _candidate, option, kept, "--runs", "3").ExitCode);
        var bad = ToolRunner.Run("check", _candidate, option, broken, "--runs", "3");
        Assert.AreEqual(1, bad.ExitCode);
        StringAssert.Contains(bad.Error, option);
    }

    [TestMethod]
    public void CheckReportsOneModelInOneColumn()
    {
        string md = Path.Combine(_dir, "check.md");
        var result = ToolRunner.Run("check", _candidate, "--max-latency-ms", "1000", "--runs", "3", "--markdown", md);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Out, "Model");
        Assert.IsFalse(result.Out.Contains("Candidate"), result.Out);
        StringAssert.Contains(result.Out, "Latency (median / p90)");
        string markdown = File.ReadAllText(md);
        StringAssert.Contains(markdown, "| | Model |");
        Assert.IsFalse(markdown.Contains("Candidate"), markdown);
    }

    [TestMethod]
    public void CheckRefusesBudgetsThatNeedABaseline()
    {
        var result = ToolRunner.Run("check", _candidate, "--max-accuracy-drop", "1");
        Assert.AreEqual(2, result.ExitCode);
    }

    [TestMethod]
    public void ImpossibleBudgetWritesNothingAndNamesIt()
    {
        string output = Path.Combine(_dir, "impossible.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze", "--max-flops", "1000");
        Assert.AreEqual(1, result.ExitCode);
        Assert.IsFalse(File.Exists(output));
        StringAssert.Contains(result.Error, "maxFlops");
        StringAssert.Contains(result.Error, "--max-flops");
        StringAssert.Contains(result.Error, "1 KFLOPs");
    }

    [TestMethod]
    public void BrokenBudgetNamesThePassThatPushedItOver()
    {
        string output = Path.Combine(_dir, "pushed.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze,lowrank", "--max-params", "370K", "--min-cosine", "0.9999999");
        Assert.AreEqual(1, result.ExitCode, result.Out + result.Error);
        Assert.IsFalse(File.Exists(output));
        StringAssert.Contains(result.Error, "minCosine");
        StringAssert.Contains(result.Error, "'lowrank'");
    }

    [TestMethod]
    public void ConfigBudgetsApplyAndTheCommandLineWins()
    {
        string config = Path.Combine(_dir, "budgets.json");
        File.WriteAllText(config, """{ "passes": ["freeze"], "budgets": { "maxParams": "100K" } }""");
        string output = Path.Combine(_dir, "config-budget.onnx");
        var broken = ToolRunner.Run("optimize", Seed, "-o", output, "--config", config);
        Assert.AreEqual(1, broken.ExitCode);
        StringAssert.Contains(broken.Error, "maxParams");
        Assert.IsFalse(File.Exists(output));

        var kept = ToolRunner.Run("optimize", Seed, "-o", output, "--config", config, "--max-params", "1M");
        Assert.AreEqual(0, kept.ExitCode, kept.Error);
        Assert.IsTrue(File.Exists(output));
    }

    [TestMethod]
    public void SearchReachesTwiceFewerFlopsWithinItsBoundOnDigitsItNeverSawAndValidateAgrees()
    {
        // The drop is judged by its 95 % bound: the choice (fc1 at rank 32) drops 0.45 points on the
        // 666 digits the search never saw, a bound of about 1.3 points, so the budget is 1.5 points
        // (one point needs more unseen digits than the seed CNN ships). Both hold it, validate too.
        string output = Path.Combine(_dir, "searched.onnx");
        string md = Path.Combine(_dir, "search.md");
        var search = ToolRunner.Run("optimize", Seed, "-o", output, "--search", "--max-accuracy-drop", "1.5", "--min-flop-reduction", "2", "--markdown", md);
        Assert.AreEqual(0, search.ExitCode, search.Out + search.Error);
        StringAssert.Contains(File.ReadAllText(md), "minFlopReduction");
        StringAssert.Contains(search.Out, "95 % bound");

        var check = ToolRunner.Run("validate", Seed, output, "--max-accuracy-drop", "1.5", "--min-flop-reduction", "2", "--runs", "0");
        Assert.AreEqual(0, check.ExitCode, check.Out + check.Error);
    }

    [TestMethod]
    public void SearchSaysWhichBudgetCouldNotBeMet()
    {
        string output = Path.Combine(_dir, "unreachable.onnx");
        // No setting of the passes, not all of them at once, removes 999 of every 1,000 FLOPs: the
        // search says so after one validation instead of spending its time limit.
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--search", "--max-accuracy-drop", "0.5", "--min-flop-reduction", "1000");
        Assert.AreEqual(1, result.ExitCode, result.Out + result.Error);
        Assert.IsFalse(File.Exists(output));
        StringAssert.Contains(result.Error, "minFlopReduction");
        StringAssert.Contains(result.Error, "the closest it got");
        StringAssert.Contains(result.Out, "even every MAC-saving setting at once misses minFlopReduction");
    }

    [TestMethod]
    public void SearchWithoutAnOutputBudgetIsAUsageError()
    {
        var result = ToolRunner.Run("optimize", Seed, "-o", Path.Combine(_dir, "s.onnx"), "--search", "--max-flops", "500K");
        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "--max-accuracy-drop");
    }
}
