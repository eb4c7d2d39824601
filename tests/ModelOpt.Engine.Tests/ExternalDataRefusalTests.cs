using Google.Protobuf;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests;

/// <summary>External data may only be read from plain files inside the model's folder, and must be complete.</summary>
[TestClass]
public sealed class ExternalDataRefusalTests
{
    private const int WeightCount = 16;

    /// <summary>y = x + w, with w's 64 bytes in an external file at <paramref name="location"/>.</summary>
    private static string WriteModel(TempFolder folder, string location, string name = "model.onnx")
    {
        var w = new TensorProto { Name = "w", DataType = (int)DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        w.Dims.Add(WeightCount);
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (WeightCount * 4).ToString() });
        var graph = new GraphProto { Name = "external" };
        graph.Input.Add(TensorInfo("x", DataType.Float, WeightCount));
        graph.Initializer.Add(w);
        graph.Node.Add(Node("Add", ["x", "w"], ["y"], "add"));
        graph.Output.Add(TensorInfo("y", DataType.Float, WeightCount));
        string path = folder.File(name);
        File.WriteAllBytes(path, ModelAround(graph).ToByteArray());
        return path;
    }

    private static void WriteWeights(string path, int bytes = WeightCount * 4) => File.WriteAllBytes(path, new byte[bytes]);

    [TestMethod]
    public void PlainFileBesideTheModelLoads()
    {
        using var folder = new TempFolder();
        WriteWeights(folder.File("weights.bin"));
        var model = IO.ModelLoader.Load(WriteModel(folder, "weights.bin"));
        Assert.HasCount(WeightCount * 4, model.Graph.Initializers.Single().Initializer!.Bytes.ToArray());
    }

    [TestMethod]
    public void AbsoluteLocationIsRefused()
    {
        using var folder = new TempFolder();
        WriteWeights(folder.File("weights.bin"));
        var error = LoadFailures.Expect(WriteModel(folder, folder.File("weights.bin")));
        Assert.AreEqual(ErrorCode.ExternalDataOutsideModelFolder, error.Code);
    }

    [TestMethod]
    public void ParentFolderLocationIsRefused()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        WriteWeights(outside.File("weights.bin"));
        string relative = Path.Combine("..", Path.GetFileName(outside.Path), "weights.bin");
        var error = LoadFailures.Expect(WriteModel(folder, relative));
        Assert.AreEqual(ErrorCode.ExternalDataOutsideModelFolder, error.Code);
        var hidden = LoadFailures.Expect(WriteModel(folder, "sub/../../x/weights.bin", "hidden.onnx"));
        Assert.AreEqual(ErrorCode.ExternalDataOutsideModelFolder, hidden.Code);
    }

    [TestMethod]
    public void SymbolicLinkToAFileOutsideIsRefused()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        WriteWeights(outside.File("weights.bin"));
        File.CreateSymbolicLink(folder.File("weights.bin"), outside.File("weights.bin"));
        var error = LoadFailures.Expect(WriteModel(folder, "weights.bin"));
        Assert.AreEqual(ErrorCode.ExternalDataOutsideModelFolder, error.Code);

        Directory.CreateSymbolicLink(folder.File("linked"), outside.Path);
        var viaFolder = LoadFailures.Expect(WriteModel(folder, "linked/weights.bin", "via-folder.onnx"));
        Assert.AreEqual(ErrorCode.ExternalDataOutsideModelFolder, viaFolder.Code);
    }

    [TestMethod]
    public void MissingFileIsReported()
    {
        using var folder = new TempFolder();
        var error = LoadFailures.Expect(WriteModel(folder, "weights.bin"));
        Assert.AreEqual(ErrorCode.ExternalDataMissing, error.Code);
        StringAssert.Contains(error.Message, "weights.bin");
    }

    [TestMethod]
    public void TooShortFileIsReported()
    {
        using var folder = new TempFolder();
        WriteWeights(folder.File("weights.bin"), bytes: WeightCount * 4 - 1);
        var error = LoadFailures.Expect(WriteModel(folder, "weights.bin"));
        Assert.AreEqual(ErrorCode.ExternalDataInvalid, error.Code);
    }
}
