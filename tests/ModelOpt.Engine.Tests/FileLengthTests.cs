using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;

namespace ModelOpt.Engine.Tests;

[TestClass]
public sealed class FileLengthTests
{
    [TestMethod]
    public void AModelReachedThroughALinkHasTheLengthOfTheFileBehindIt()
    {
        using var folder = new TempFolder();
        string blob = TwoHeadNet.Write(folder.File("blob.onnx"));
        string link = folder.File("model.onnx");
        File.CreateSymbolicLink(link, blob);
        string chain = folder.File("latest.onnx");
        File.CreateSymbolicLink(chain, link);

        long length = new FileInfo(blob).Length;
        Assert.IsGreaterThan(1000L, length);
        Assert.AreEqual(length, FileLength.Of(link));
        Assert.AreEqual(length, FileLength.Of(chain), "a link to a link");
        Assert.AreEqual(length, FileLength.Of(blob));
        Assert.AreEqual(2, ModelLoader.Load(link).Graph.Outputs.Count, "a link loads as the model");
    }
}
