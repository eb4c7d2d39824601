using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Optimizer.Tests.Reports;

[TestClass]
public sealed class ReportPathsTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "modelopt-paths", "app");

    [TestMethod]
    public void PathsBecomeRelativeWithForwardSlashes()
    {
        var paths = new ReportPaths(Root);
        Assert.AreEqual("Models/net.onnx", paths.Relative(Path.Combine(Root, "Models", "net.onnx")));
        Assert.AreEqual("../data/x.npy", paths.Relative(Path.Combine(Root, "..", "data", "x.npy")));
        Assert.AreEqual("(optimized model)", paths.Relative("(optimized model)"));
        Assert.IsNull(paths.Relative(null));
    }

    [TestMethod]
    public void TextLosesTheBaseFolderButNotALongerNameThatStartsWithIt()
    {
        var paths = new ReportPaths(Root);
        string sep = Path.DirectorySeparatorChar.ToString();
        Assert.AreEqual("using the samples in Models/net.samples (2000 samples)", paths.Text($"using the samples in {Root}{sep}Models{sep}net.samples (2000 samples)"));
        Assert.AreEqual("folder . is empty.", paths.Text($"folder {Root} is empty."));
        Assert.AreEqual($"{Root}2{sep}x", paths.Text($"{Root}2{sep}x"));
    }

    [TestMethod]
    public void TextLosesTheFoldersOfKnownFilesOutsideTheBase()
    {
        string models = Path.Combine(Path.GetTempPath(), "modelopt-paths", "shared");
        var paths = new ReportPaths(Root).Knowing(Path.Combine(models, "net.onnx"));
        Assert.AreEqual("samples from ../shared/net.samples", paths.Text($"samples from {Path.Combine(models, "net.samples")}"));
    }
}
