using System.Text.RegularExpressions;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// Every <c>OnnxModel</c> item and <c>ModelOpt*</c> property README.md and docs/msbuild.md show, read
/// from the Markdown and built together in one consumer project (testassets/projects/DocSnippets) on
/// the shipped seed CNN, with the build command of docs/ci.md's workflow. One build, so the docs'
/// examples stay true without a consumer build each.
/// </summary>
[TestClass]
public sealed partial class DocSnippetBuildTests
{
    private static readonly string[] Documents = ["README.md", "docs/msbuild.md"];
    private const string OutputFolder = "bin/Release/net10.0";

    [TestMethod]
    public void EveryDocumentedOnnxModelSnippetBuildsOnTheSeedModel()
    {
        using var project = new ConsumerProject("DocSnippets", LocalFeed.Current);
        var properties = new List<string>();
        var items = new List<(string Folder, string Element, string Where)>();
        foreach (string document in Documents)
        {
            foreach (var (block, element) in DocSnippets.MsBuildElements(document))
            {
                if (element.StartsWith("<ModelOpt", StringComparison.Ordinal))
                {
                    properties.Add(element);
                    continue;
                }
                string folder = $"s{items.Count + 1}";
                LayOutSeedModel(project.PathOf(folder), PathAttribute().Match(element).Groups[2].Value);
                items.Add((folder, PathAttribute().Replace(element, m => $"{m.Groups[1].Value}=\"{folder}/{m.Groups[2].Value}\""), $"{block.File}:{block.Line}"));
            }
        }
        Assert.IsTrue(items.Count >= 3, "the parser lost the documented OnnxModel items: " + string.Join("\n", items));

        // Not from the docs: the floor switched off by metadata lets through a model it would refuse.
        LayOutSeedModel(project.PathOf("floor"), "Models/net.onnx");
        File.WriteAllText(project.PathOf("floor/rank1.json"), """{ "passes": ["lowrank"], "lowrank": { "rank": 1 } }""");
        items.Add(("floor", """<OnnxModel Include="floor/Models/net.onnx" Config="floor/rank1.json" FidelityFloor="false" />""", "FidelityFloor=false"));

        string csproj = project.PathOf("DocSnippets.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("<!-- DOC SNIPPETS -->",
            $"<PropertyGroup>\n{string.Join("\n", properties)}\n</PropertyGroup>\n<ItemGroup>\n{string.Join("\n", items.Select(i => $"<!-- {i.Where} -->\n{i.Element}"))}\n</ItemGroup>"));

        var build = project.Run("build", "--configuration", "Release", "-warnaserror:MOPT5001");

        Assert.IsTrue(build.Succeeded, File.ReadAllText(csproj) + "\n" + build.Describe());
        foreach (var (folder, element, where) in items)
        {
            string model = project.PathOf($"{OutputFolder}/{folder}/{PathAttribute().Match(element).Groups[2].Value[(folder.Length + 1)..]}");
            Assert.IsTrue(File.Exists(model), $"{where}: {element} wrote no {model}");
            Assert.IsTrue(File.Exists(RunReportJson.PathBeside(model)), $"{where}: no report beside {model}");
        }
        StringAssert.Contains(build.Output, "compared with the original on 2,000 samples", "each optimized model is compared and the comparison logged");
        // The README's freeze,separable,quantize: int8 of the seed CNN is slower than float here, so quantize
        // is skipped with a warning and the model written without it — or, on a CPU where it pays, kept.
        var readme = RunReportJson.Deserialize(File.ReadAllText(RunReportJson.PathBeside(project.PathOf($"{OutputFolder}/s1/Models/net.onnx"))));
        Assert.IsTrue(build.Output.Contains("warning MOPT5004: quantize skipped", StringComparison.Ordinal) || readme.Passes.Any(p => p.Pass == "quantize"), build.Describe());
    }

    // The seed CNN under the name the snippet's Include gives it, its digits in Models/calib/.
    private static void LayOutSeedModel(string root, string include)
    {
        string calib = Path.Combine(root, "Models", "calib");
        Directory.CreateDirectory(calib);
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), Path.Combine(root, include));
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Models, "seed-cnn.samples")))
            File.Copy(file, Path.Combine(calib, Path.GetFileName(file)));
        // For a snippet naming Config="modelopt.json": what `init` suggests for the seed CNN.
        File.WriteAllText(Path.Combine(root, "modelopt.json"), """{ "passes": ["share-weights"] }""");
    }

    [GeneratedRegex(@"\b(Include|Data|Labels|Config)=""([^""]*)""")]
    private static partial Regex PathAttribute();
}
