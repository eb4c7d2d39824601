using System.Security.Cryptography;
using Google.Protobuf;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;

namespace ModelOpt.Engine.Tests;

/// <summary>A save either puts a complete model in place or changes nothing, and never touches the source.</summary>
[TestClass]
public sealed class SaveRobustnessTests
{
    [TestMethod]
    public void SavingOverTheSourceIsRefusedAndTheSourceIsUnchanged()
    {
        using var folder = new TempFolder();
        string source = RoundTripFixtures.Write(RoundTripFixtures.ConvBatchNormShapeChainGemm(), folder.File("source.onnx"));
        byte[] before = SHA256.HashData(File.ReadAllBytes(source));
        var model = ModelLoader.Load(source);
        model.Graph.Name = "changed";

        foreach (string samePath in new[] { source, Path.Combine(folder.Path, ".", "source.onnx") })
        {
            var error = Assert.ThrowsExactly<ModelOptException>(() => ModelWriter.Save(model, samePath));
            Assert.AreEqual(ErrorCode.OutputWouldOverwriteSource, error.Code);
            Assert.AreEqual(ExitCodes.InvalidModel, error.ExitCode);
        }
        CollectionAssert.AreEqual(before, SHA256.HashData(File.ReadAllBytes(source)));
        CollectionAssert.AreEqual(new[] { "source.onnx" }, folder.ListFiles().ToArray());
    }

    [TestMethod]
    public void OutputFolderThatIsAFileFailsWithoutLeftovers()
    {
        using var folder = new TempFolder();
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "fixture.onnx", fromFile: false);
        File.WriteAllText(folder.File("blocker"), "not a folder");

        var error = Assert.ThrowsExactly<ModelOptException>(() => ModelWriter.Save(model, Path.Combine(folder.File("blocker"), "out.onnx")));
        Assert.AreEqual(ErrorCode.ModelWriteFailed, error.Code);
        CollectionAssert.AreEqual(new[] { "blocker" }, folder.ListFiles().ToArray());
    }

    [TestMethod]
    public void FailureToPlaceTheExternalDataLeavesNoModelAndNoTempFiles()
    {
        using var folder = new TempFolder();
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "fixture.onnx", fromFile: false);
        // A folder where the data file should go makes the last step fail, after both temp files are written.
        Directory.CreateDirectory(folder.File("out.onnx.data"));

        var error = Assert.ThrowsExactly<ModelOptException>(() =>
            ModelWriter.Save(model, folder.File("out.onnx"), new SaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 64 }));
        Assert.AreEqual(ErrorCode.ModelWriteFailed, error.Code);
        CollectionAssert.AreEqual(new[] { "out.onnx.data" }, folder.ListFiles().ToArray(), "neither a model without its data nor temp files may be left");
    }

    [TestMethod]
    public void FailedSaveKeepsAnEarlierOutputIntact()
    {
        using var folder = new TempFolder();
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "fixture.onnx", fromFile: false);
        string output = folder.File("out.onnx");
        ModelWriter.Save(model, output);
        byte[] before = File.ReadAllBytes(output);
        Directory.CreateDirectory(folder.File("out.onnx.data"));

        Assert.ThrowsExactly<ModelOptException>(() =>
            ModelWriter.Save(model, output, new SaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 64 }));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(output));
        CollectionAssert.AreEqual(new[] { "out.onnx", "out.onnx.data" }, folder.ListFiles().ToArray());
    }

    [TestMethod]
    public void SaveLeavesOnlyTheModelAndItsData()
    {
        using var folder = new TempFolder();
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "fixture.onnx", fromFile: false);
        ModelWriter.Save(model, folder.File("out.onnx"), new SaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 64 });
        CollectionAssert.AreEqual(new[] { "out.onnx", "out.onnx.data" }, folder.ListFiles().ToArray());
        var reloaded = ModelLoader.Load(folder.File("out.onnx"));
        Assert.AreEqual(model.Graph.NodeCount, reloaded.Graph.NodeCount);
        Assert.IsTrue(reloaded.Graph.Initializers.Any(v => v.Initializer!.IsExternal));
        Assert.AreEqual(model.Graph.Initializers.Count, reloaded.Graph.Initializers.Count);
    }
}
