using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer.Search;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// <c>optimize --search</c> turning prune (a ratio per channel group) and quantize (int8 or float
/// per layer) on the trained seed CNN and its held-out digits. Figures measured on it: prune alone
/// cannot remove one channel of five within 0.5 points (conv1 3.1, conv2 30 points); followed by
/// refit, conv1 goes 5 → 2 channels for 0.45 points on the search's 1,334 digits but 0.6 on the
/// 666 it never saw, and conv2 still breaks the budget at 4 of 5 channels. Int8 of all four layers
/// costs a minimum cosine of 0.996 on the search part; fc1 and conv2 alone 0.99997.
/// </summary>
[TestClass]
public sealed class SearchKnobCommandTests
{
    private static string _dir = "";
    private static string _unlabelled = "";
    private static string _allowSlower = "";
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    // Tests that assert what the search chose must not depend on how busy the machine is: a time
    // limit that cuts the search on a loaded machine (it did, at the default 300 s) changes the choice.
    private const string LoadProofSearchTime = "3600";

    [ClassInitialize]
    public static void Prepare(TestContext _)
    {
        _dir = Directory.CreateTempSubdirectory("modelopt-searchknobs-").FullName;
        // Without labels the harm is 1 − cosine, which tells the layers' int8 errors apart finely.
        _unlabelled = Path.Combine(_dir, "digits");
        Directory.CreateDirectory(_unlabelled);
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.samples", "input.npy"), Path.Combine(_unlabelled, "input.npy"));
        // int8 of a net this small is slower than fp32 under ONNX Runtime; these tests are about accuracy.
        _allowSlower = Path.Combine(_dir, "allow-slower.json");
        File.WriteAllText(_allowSlower, """{ "quantize": { "allowSlower": true } }""");
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void PruneSearchWithRefitCutsConvGroupsWithinTwoPointsAndValidateAgrees()
    {
        string output = Path.Combine(_dir, "pruned.onnx");
        // refit listed first on purpose: the search runs it after prune, so each trial is refit before it is measured.
        // Two points at the default 95 %: conv1 at 3 of 5 channels makes 1 of the 667 choosing digits newly
        // wrong (a bound of 0.67 there), which forecasts 1.12 points for the 666 the search never saw, so a
        // 1-point budget takes nothing (and misses 1.2x); 2 points leaves the search room to cut conv1.
        var search = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "refit,prune", "--search", "--max-accuracy-drop", "2", "--min-flop-reduction", "1.2",
            "--search-time", LoadProofSearchTime);
        Assert.AreEqual(0, search.ExitCode, search.Out + search.Error);
        StringAssert.Contains(search.Out, "passes prune, refit");
        StringAssert.Contains(search.Out, "profile: 2 knob(s)");
        StringAssert.Matches(search.Out, new System.Text.RegularExpressions.Regex(@"search: chose .*conv1 ratio [0-9.]+ \(\d of 5 channels\) by prune"));

        var check = ToolRunner.Run("validate", Seed, output, "--max-accuracy-drop", "2", "--min-flop-reduction", "1.2", "--runs", "0");
        Assert.AreEqual(0, check.ExitCode, check.Out + check.Error);
        var conv1 = ModelLoader.Load(output).Graph.Nodes.Single(n => n.Name == "conv1");
        Assert.IsTrue(conv1.Input(1)!.ConstantValue!.Dims[0] < 5, "conv1 lost channels");
    }

    [TestMethod]
    public void PruneAloneCannotReachTheFlopBudgetAndSaysSo()
    {
        string output = Path.Combine(_dir, "unreachable.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "prune", "--search", "--max-accuracy-drop", "0.5", "--min-flop-reduction", "1.2");
        Assert.AreEqual(1, result.ExitCode, result.Out + result.Error);
        Assert.IsFalse(File.Exists(output));
        StringAssert.Contains(result.Out, "profile: most harm per saving (MACs): conv1 by prune ratio 0.75");
        StringAssert.Contains(result.Error, "minFlopReduction");
        // Which budget, the closest it got, and where the time went.
        StringAssert.Contains(result.Error, "the closest it got: FLOPs");
        StringAssert.Contains(result.Error, "time spent: sensitivity profile");
    }

    [TestMethod]
    public void QuantizeSearchKeepsLayersFloatWhenTheCosineBudgetDemandsItAndValidateAgrees()
    {
        string output = Path.Combine(_dir, "mixed.onnx");
        // Calibrated on 64 digits the fourth static int8 layer breaks the budget; on the default count for
        // a model this cheap (667 digits: half the search's share) all four keep it. Static only: with
        // fc1 and fc2 offered as dynamic int8 (milder) all four keep it (DynamicOrStaticMatMulTests).
        string staticOnly = Path.Combine(_dir, "static-only.json");
        File.WriteAllText(staticOnly, """{ "quantize": { "allowSlower": true, "dynamicMatMul": false } }""");
        var search = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "quantize", "--config", staticOnly, "--data", _unlabelled,
            "--calibration-samples", "64", "--search", "--min-cosine", "0.995");
        Assert.AreEqual(0, search.ExitCode, search.Out + search.Error);

        // All four int8 put the worst digit at cosine ≈ 0.990 (judged per sample); the profile ranks fc1
        // least harmful per saving, and it stays int8.
        var graph = ModelLoader.Load(output).Graph;
        string WeightSource(string node) => graph.Nodes.Single(n => n.Name == node).Input(1)!.Producer?.OpType ?? "float initializer";
        Assert.AreEqual("DequantizeLinear", WeightSource("fc1"), search.Out);
        Assert.IsTrue(new[] { "conv1", "conv2", "fc2" }.Any(n => WeightSource(n) == "float initializer"), search.Out);
        StringAssert.Contains(search.Out, "profile: least harm per saving (time): fc1 by quantize int8");

        var check = ToolRunner.Run("validate", Seed, output, "--data", _unlabelled, "--min-cosine", "0.995", "--runs", "0");
        Assert.AreEqual(0, check.ExitCode, check.Out + check.Error);
    }

    [TestMethod]
    public void SearchIsDeterministicForASeed()
    {
        string Run(string name)
        {
            string output = Path.Combine(_dir, name);
            var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "prune,quantize", "--config", _allowSlower, "--seed", "7",
                "--search", "--max-accuracy-drop", "1", "--search-time", LoadProofSearchTime);
            Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
            // Durations are the only thing that may differ.
            var seconds = new System.Text.RegularExpressions.Regex(@"[0-9.]+ s\b");
            return string.Join("\n", result.Out.Split('\n').Where(l => l.StartsWith("validation", StringComparison.Ordinal) || l.StartsWith("profile", StringComparison.Ordinal))
                .Select(l => seconds.Replace(l, "…")));
        }
        string first = Run("first.onnx"), second = Run("second.onnx");
        Assert.AreEqual(first, second);
        StringAssert.Contains(first, "conv1 by prune");
        StringAssert.Contains(first, "fc1 by quantize dynamic int8");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_dir, "first.onnx")), File.ReadAllBytes(Path.Combine(_dir, "second.onnx")));
    }

    [TestMethod]
    public void AnInt8ModelSlowerThanFloatMakesTheSearchKeepEveryLayerFloatRatherThanFail()
    {
        string output = Path.Combine(_dir, "speed.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "quantize", "--search", "--max-accuracy-drop", "0.5");
        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        StringAssert.Contains(result.Out, "speed check: fp32");
        bool quantized = ModelLoader.Load(output).Graph.Nodes.Any(n => n.OpType == "QuantizeLinear");
        // Either way the timing goes on this machine, the outcome must follow it.
        Assert.AreEqual(!result.Out.Contains("int8 is not measurably faster than fp32", StringComparison.Ordinal), quantized, result.Out);
    }

    [TestMethod]
    [DataRow("prune", "prune")]
    [DataRow("refit,prune", "prune,refit")]
    [DataRow("freeze,refit,prune,quantize", "freeze,prune,refit,quantize")]
    [DataRow("prune,quantize,refit", "prune,refit,quantize")]
    [DataRow("refit,quantize", "refit,quantize")]
    [DataRow("freeze,refit", "freeze,prune,refit,separable,refit,lowrank,refit,quantize")]
    [DataRow("none", "prune,refit,separable,refit,lowrank,refit,quantize")]
    [DataRow("lowrank,prune,refit", "lowrank,refit,prune,refit")]
    [DataRow("Quantize,Refit,LowRank", "quantize,lowrank,refit")]
    public void TrialPassesRunRefitAfterEachStructuralKnobPass(string given, string expected)
    {
        var (passes, knobs) = LayerSearch.TrialPasses(given.Split(','));
        Assert.AreEqual(expected, string.Join(",", passes));
        CollectionAssert.AreEqual(passes.Where(p => p is "separable" or "lowrank" or "prune" or "quantize").Order().ToArray(), knobs.Order().ToArray());
    }

    [TestMethod]
    public void TheSearchCalibratesOnAThirdChoosesOnAThirdAndTheRunIsJudgedOnTheThirdItNeverSaw()
    {
        string output = Path.Combine(_dir, "split.onnx");
        string md = Path.Combine(_dir, "split.md");
        // 2 points: at 95 % a search choosing on 667 digits and confirmed on 666 can hold no less than
        // 1.12 points for any candidate that changes an answer (MOPT5020 says so).
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "lowrank", "--search", "--max-accuracy-drop", "2", "--min-flop-reduction", "1.5", "--markdown", md);
        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        StringAssert.Contains(File.ReadAllText(md), "minFlopReduction");
        // What the run confirmed on the third it never saw, validate finds on all 2,000 digits.
        var check = ToolRunner.Run("validate", Seed, output, "--max-accuracy-drop", "2", "--min-flop-reduction", "1.5", "--runs", "0");
        Assert.AreEqual(0, check.ExitCode, check.Out + check.Error);
        string text = System.Text.RegularExpressions.Regex.Replace(result.Out, @"\s+", " ");
        StringAssert.Contains(text, "search: calibrates on 667 and chooses on the other 667 of its 1334 of the 2000 validation samples; the result is confirmed on the other 666");
        StringAssert.Contains(text, "on 667 calibration sample(s)");
        StringAssert.Contains(text, "search: chosen on 667 of 2000 samples");
        StringAssert.Contains(text, "Judged on the confirmation part: 666 of 2000 samples, which the search never saw.");
        // Redirected output gets the search's lines as they come, once each, before the pass table.
        Assert.AreEqual(1, System.Text.RegularExpressions.Regex.Matches(result.Out, "search: calibrates on ").Count, result.Out);
        Assert.IsLessThan(result.Out.IndexOf("| Pass", StringComparison.Ordinal), result.Out.IndexOf("search: chosen on", StringComparison.Ordinal));
    }

    [TestMethod]
    public void ASearchTimeTooShortForAnySavingKeepsTheOriginalWithAWarningSayingWhatItMeasured()
    {
        string output = Path.Combine(_dir, "timeout.onnx");
        var result = ToolRunner.Run("optimize", Seed, "-o", output, "--search", "--search-time", "1", "--max-accuracy-drop", "1");
        Assert.AreEqual(0, result.ExitCode, result.Out + result.Error);
        string text = System.Text.RegularExpressions.Regex.Replace(result.Out + result.Error, @"\s+", " ");
        StringAssert.Contains(text, "MOPT5007");
        StringAssert.Contains(text, "ran out before the search found any saving");
        StringAssert.Contains(text, "time spent: sensitivity profile");
        var graph = ModelLoader.Load(output).Graph;
        Assert.AreEqual(5L, graph.Nodes.Single(n => n.Name == "conv1").Input(1)!.ConstantValue!.Dims[0]);
        Assert.IsFalse(graph.Nodes.Any(n => n.OpType == "QuantizeLinear"));
    }
}
