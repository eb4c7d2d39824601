using System.Diagnostics;
using ModelOpt.TestSupport;

namespace ModelOpt.Tool.Tests;

/// <summary>The HTML report, loaded in headless Chromium: the chart and the tables must be in the rendered DOM.</summary>
[TestClass]
public sealed class HtmlReportTests
{
    private const string Chromium = "/usr/bin/chromium";

    [TestMethod]
    public void ReportRendersInChromiumWithChartAndTables()
    {
        Prerequisites.Program(Chromium, "Debian package 'chromium'; .ci/run installs it");
        string dir = Directory.CreateTempSubdirectory("modelopt-html-").FullName;
        try
        {
            string seed = Path.Combine(RepoPaths.Models, "seed-cnn.onnx");
            string config = Path.Combine(dir, "c.json");
            File.WriteAllText(config, """{ "passes": ["lowrank"], "lowrank": { "rank": 32 } }""");
            string html = Path.Combine(dir, "report.html");
            var result = ToolRunner.Run("optimize", seed, "-o", Path.Combine(dir, "o.onnx"), "--config", config, "--max-accuracy-drop", "5", "--html", html);
            Assert.AreEqual(0, result.ExitCode, result.Error);
            string text = File.ReadAllText(html);
            Assert.IsFalse(text.Contains("http://", StringComparison.Ordinal) && !text.Contains("xmlns=\"http://www.w3.org/2000/svg\"", StringComparison.Ordinal));
            StringAssert.DoesNotMatch(text, new System.Text.RegularExpressions.Regex("<(script|link|img)\\b"), "the page must be self-contained");

            string dom = DumpDom(html, dir);
            StringAssert.Contains(dom, "id=\"flops-chart\"");
            StringAssert.Contains(dom, "id=\"budget-table\"");
            StringAssert.Contains(dom, "id=\"comparison-table\"");
            StringAssert.Contains(dom, "id=\"layer-table\"");
            StringAssert.Contains(dom, "data-layer=\"fc1\"");
            StringAssert.Contains(dom, "maxAccuracyDrop");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string DumpDom(string html, string dir)
    {
        var start = new ProcessStartInfo(Chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", $"--user-data-dir={Path.Combine(dir, "profile")}", "--dump-dom", new Uri(html).AbsoluteUri,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string dom = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("Chromium did not finish within 60 s.");
        }
        Assert.AreEqual(0, process.ExitCode, stderr.Result);
        return dom;
    }
}
