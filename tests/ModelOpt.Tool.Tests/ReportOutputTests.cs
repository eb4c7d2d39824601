using System.Diagnostics;
using System.Text.RegularExpressions;
using ModelOpt.TestSupport;
using ModelOpt.Tool.Output;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Tests;

/// <summary>
/// What CI sees from the tool: one JSON schema for every command, Markdown that appends to
/// $GITHUB_STEP_SUMMARY and renders on GitHub, --help on stdout, no hard wrap when redirected.
/// </summary>
[TestClass]
public sealed class ReportOutputTests
{
    private string _dir = "";

    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-reports-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void MarkdownAppendsToAnExistingSummary()
    {
        string md = Path.Combine(_dir, "summary.md");
        File.WriteAllText(md, "# Earlier step\ntext without a trailing blank line\n");

        Assert.AreEqual(0, ToolRunner.Run("check", Seed, "--max-flops", "2M", "--markdown", md).ExitCode);
        var second = ToolRunner.Run("check", Seed, "--max-params", "1M", "--markdown", md);

        Assert.AreEqual(0, second.ExitCode, second.Error);
        StringAssert.Contains(second.Out, $"Appended to {md}.");
        string text = File.ReadAllText(md);
        StringAssert.StartsWith(text, "# Earlier step\ntext without a trailing blank line\n\n## ModelOpt check");
        Assert.AreEqual(2, Regex.Matches(text, "^## ModelOpt check", RegexOptions.Multiline).Count, text);
        StringAssert.Contains(text, "`maxFlops`");
        StringAssert.Contains(text, "`maxParams`");
    }

    [TestMethod]
    public void MarkdownIsGitHubSafe()
    {
        var report = WrittenReport() with
        {
            FlopChange = "2× fewer",
            Layers = [new ReportLayer("a|b", "Conv", 100, 50, "rewritten", "separable: rank 1 <of 5>")],
            Search = ["tried conv1 at rank 1", "kept conv1"],
            Notes = ["first note", "second <note>"],
        };

        string md = ReportMarkdown.Write(report);

        StringAssert.Contains(md, "optimized model `out/net.onnx` (written)", "the report names the model it is about");
        StringAssert.Contains(md, "</details>\n\n", "text right after </details> renders as literal text on GitHub");
        StringAssert.Contains(md, "| `a\\|b` |");
        Assert.IsFalse(md.Contains("<of", StringComparison.Ordinal) || md.Contains("<note>", StringComparison.Ordinal), "a stray < opens an HTML tag: " + md);
        StringAssert.EndsWith(md, "\n\n", "the next appended section must start a new block");
        foreach (Match table in Regex.Matches(md, @"(^\|.*\|\n)+", RegexOptions.Multiline))
            Assert.IsTrue(md.Length == table.Index + table.Length || md[table.Index + table.Length] == '\n', "a table must be followed by a blank line");
    }

    [TestMethod]
    public void MarkdownAndHtmlShowThePlanNodeByNode()
    {
        var report = WrittenReport() with
        {
            Plan = new ReportPlan(["freeze", "prune", "quantize"], "avx2", "Models/net.modelopt.lock.json", Replayed: true,
                [new ReportDecision("conv1", "prune", "ratio=0.5"), new ReportDecision("fc|2", "quantize", "float"), new ReportDecision("", "prune", "unchanged")],
                new ReportQuantization("percentile 99.999", "pair-safe", 6), Unchecked: null),
        };

        string md = ReportMarkdown.Write(report);
        StringAssert.Contains(md, "**Plan.** Passes freeze → prune → quantize; deploy CPU avx2; static int8: calibration percentile 99.999, pair-safe weights, 6 tensor(s) with recorded scales; replayed from Models/net.modelopt.lock.json (no search, no calibration).");
        StringAssert.Contains(md, "| Node | Pass | Decided |\n| --- | --- | --- |\n| `conv1` | prune | ratio=0.5 |\n| `fc\\|2` | quantize | float |\n| `(unnamed nodes)` | prune | unchanged |\n\n");

        string html = ReportHtml.Write(report);
        StringAssert.Contains(html, "<h2>Plan</h2><p id=\"plan\">Passes freeze → prune → quantize; deploy CPU avx2;");
        StringAssert.Contains(html, "<tr><td>conv1</td><td>prune</td><td>ratio=0.5</td></tr>");
        StringAssert.Contains(html, "<tr><td>fc|2</td><td>quantize</td><td>float</td></tr>");

        // No plan (validate, check): no plan section.
        Assert.IsFalse(ReportMarkdown.Write(report with { Plan = null }).Contains("**Plan.**", StringComparison.Ordinal));
        Assert.IsFalse(ReportHtml.Write(report with { Plan = null }).Contains("id=\"plan\"", StringComparison.Ordinal));
    }

    [TestMethod]
    public void OptimizeAndValidateWriteTheSameSchema()
    {
        string output = Path.Combine(_dir, "out.onnx"), optimizeJson = Path.Combine(_dir, "o.json"), validateJson = Path.Combine(_dir, "v.json"), html = Path.Combine(_dir, "r.html");
        var optimize = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze", "--max-flops", "2M", "--report", optimizeJson, "--html", html);
        Assert.AreEqual(0, optimize.ExitCode, optimize.Error);
        var validate = ToolRunner.Run("validate", Seed, output, "--max-flops", "2M", "--runs", "0", "--json", validateJson);
        Assert.AreEqual(0, validate.ExitCode, validate.Error);

        var o = RunReportJson.Deserialize(File.ReadAllText(optimizeJson));
        var v = RunReportJson.Deserialize(File.ReadAllText(validateJson));

        Assert.AreEqual(("optimize", "validate"), (o.Command, v.Command));
        Assert.AreEqual(o.Schema, v.Schema);
        Assert.AreEqual(true, o.Written);
        Assert.IsNull(v.Written);
        Assert.AreEqual(Path.GetRelativePath(Environment.CurrentDirectory, output).Replace('\\', '/'), o.Candidate!.Path);
        Assert.IsFalse(Path.IsPathRooted(o.Baseline.Path) || Path.IsPathRooted(v.Baseline.Path) || Path.IsPathRooted(v.Candidate!.Path));
        Assert.AreEqual(o.Budgets.Single(b => b.Key == "maxFlops").Measured, v.Budgets.Single(b => b.Key == "maxFlops").Measured);
        CollectionAssert.AreEqual(new[] { "freeze" }, o.Settings.Passes!.ToArray());
        Assert.AreEqual("2 MFLOPs", v.Settings.Budgets!["maxFlops"]);
        StringAssert.Contains(File.ReadAllText(html), $"<code>{o.Candidate.Path}</code>", "the HTML names the output model");
    }

    [TestMethod]
    public void ABrokenBudgetStillWritesTheReportAndSaysNothingWasWritten()
    {
        string output = Path.Combine(_dir, "broken.onnx"), json = Path.Combine(_dir, "b.json");
        var run = ToolRunner.Run("optimize", Seed, "-o", output, "--passes", "freeze", "--max-flops", "1000", "--report", json);
        Assert.AreEqual(1, run.ExitCode);
        var report = RunReportJson.Deserialize(File.ReadAllText(json));
        Assert.AreEqual(false, report.Written);
        Assert.IsFalse(report.AllBudgetsKept);
        Assert.AreEqual("1 KFLOPs", report.Budgets.Single(b => b.Key == "maxFlops").LimitText);
    }

    [TestMethod]
    public void HelpGoesToStandardOutputAndSaysMarkdownAppends()
    {
        var run = ToolRunner.Run("optimize", "--help");
        Assert.AreEqual(0, run.ExitCode);
        Assert.AreEqual("", run.Error);
        StringAssert.Contains(run.Out, "Examples:");
        StringAssert.Matches(run.Out, new Regex(@"--markdown[^\n]*Append"));
    }

    [TestMethod]
    public void RedirectedOutputIsNeverHardWrapped()
    {
        // A real process with stdout redirected, as in a CI log: the long output path stays on one line.
        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-model-opt.dll");
        string deep = Path.Combine(_dir, string.Join(Path.DirectorySeparatorChar, Enumerable.Repeat("a-rather-long-folder-name", 10)), "model.onnx");
        var start = new ProcessStartInfo("dotnet", [tool, "optimize", Seed, "-o", deep, "--passes", "none"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.AreEqual(0, process.ExitCode, output + error.Result);
        Assert.IsTrue(deep.Length > 200);
        StringAssert.Contains(output, $"Wrote {deep} (", "the line was wrapped: " + output);
    }

    // An optimize run that wrote its model, the fields every report has; each test adds what it checks.
    private static RunReport WrittenReport() => new()
    {
        Tool = new ReportTool("ModelOpt", "1.0.0"),
        Command = "optimize",
        Created = "2026-01-01T00:00:00Z",
        Baseline = new ReportModel("Models/net.onnx", 100, 10, 1000),
        Candidate = new ReportModel("out/net.onnx", 50, 5, 500),
        Written = true,
    };
}
