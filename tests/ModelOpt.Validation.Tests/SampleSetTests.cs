using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class SampleSetTests
{
    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("modelopt-samples-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void BatchedFileNamedAfterTheInputStreamsInBatches()
    {
        var model = ModelLoader.Load(SeedModel);
        string folder = SampleSet.FindBeside(SeedModel)!;
        using var samples = SampleSet.FromFolder(folder, model, limit: 70);

        Assert.AreEqual(70, samples.Count);
        var batches = samples.Batches(32).ToList();
        CollectionAssert.AreEqual(new long[] { 32, 32, 6 }, batches.Select(b => b[0].Shape[0]).ToArray());
        CollectionAssert.AreEqual(new long[] { 6, 1, 28, 28 }, batches[2][0].Shape);

        // Row 64 of the file is the first sample of the third batch.
        var all = NpyFile.Read(Path.Combine(folder, "input.npy"));
        var expected = all.Span<float>().Slice(64 * 784, 784).ToArray();
        CollectionAssert.AreEqual(expected, batches[2][0].ToFloats()[..784]);
    }

    [TestMethod]
    public void OneSamplePerFileAndPerSubfolderLayoutsWork()
    {
        var model = ModelLoader.Load(SeedModel);
        var rows = NpyFile.Read(Path.Combine(SampleSet.FindBeside(SeedModel)!, "input.npy")).Span<float>();
        for (int i = 0; i < 3; i++)
            NpyFile.Write(Path.Combine(_dir, $"{i:D3}.npy"), [1, 28, 28], rows.Slice(i * 784, 784).ToArray());
        using (var flat = SampleSet.FromFolder(_dir, model))
            Assert.AreEqual(3, flat.Count);

        string nested = Directory.CreateDirectory(Path.Combine(_dir, "nested")).FullName;
        for (int i = 0; i < 2; i++)
        {
            string sample = Directory.CreateDirectory(Path.Combine(nested, $"test_data_set_{i}")).FullName;
            var proto = new TensorProto { Name = "input", DataType = (int)TensorProto.Types.DataType.Float, RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.Slice(i * 784, 784))) };
            proto.Dims.AddRange([1, 1, 28, 28]);
            File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), Google.Protobuf.MessageExtensions.ToByteArray(proto));
        }
        using var perFolder = SampleSet.FromFolder(nested, model);
        Assert.AreEqual(2, perFolder.Count);
        var batch = perFolder.Batches(8).Single();
        CollectionAssert.AreEqual(rows.Slice(784, 784).ToArray(), batch[0].ToFloats()[784..]);
    }

    [TestMethod]
    public void WrongShapeOrTypeIsAClearErrorNamingTheFile()
    {
        var model = ModelLoader.Load(SeedModel);
        NpyFile.Write(Path.Combine(_dir, "input.npy"), [4, 1, 14, 14], new float[4 * 196]);
        var e = Assert.ThrowsExactly<ModelOptException>(() => SampleSet.FromFolder(_dir, model));
        Assert.AreEqual(ErrorCode.DataFileInvalid, e.Code);
        StringAssert.Contains(e.File!, "input.npy");
        StringAssert.Contains(e.Message, "28");

        NpyFile.Write(Path.Combine(_dir, "input.npy"), [4, 1, 28, 28], new long[4 * 784]);
        e = Assert.ThrowsExactly<ModelOptException>(() => SampleSet.FromFolder(_dir, model));
        StringAssert.Contains(e.Message, "int64");
    }

    [TestMethod]
    public void ActivationSourceStreamsIntermediateValuesPerBatch()
    {
        var model = ModelLoader.Load(SeedModel);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model, limit: 40);
        var source = new OrtActivationSource(samples, batchSize: 16);
        string relu1 = model.Graph.FindNode("relu1")!.Output(0).Name;

        // A batch is read while it is current: the stream empties it when the next is asked for.
        var reluDims = new List<long[]>();
        var logitsDims = new List<long[]>();
        var inputElements = new List<long>();
        foreach (var batch in source.Stream(model, [relu1, "input", "logits"]))
        {
            reluDims.Add(batch[relu1].Dims);
            logitsDims.Add(batch["logits"].Dims);
            inputElements.Add(batch["input"].ElementCount);
            Assert.IsTrue(batch[relu1].ToFloats().All(v => v >= 0), "ReLU output is non-negative");
        }

        Assert.AreEqual(3, reluDims.Count);
        CollectionAssert.AreEqual(new long[] { 16, 5, 26, 26 }, reluDims[0]);
        CollectionAssert.AreEqual(new long[] { 8, 10 }, logitsDims[2]);
        Assert.AreEqual(16 * 784, inputElements[0]);
    }

    [TestMethod]
    public void LabelsReadFromNpyTxtAndJson()
    {
        var labels = LabelFile.Read(LabelFile.FindIn(SampleSet.FindBeside(SeedModel)!)!);
        Assert.AreEqual(2000, labels.Length);
        File.WriteAllText(Path.Combine(_dir, "l.txt"), "3 1\n4\n");
        CollectionAssert.AreEqual(new long[] { 3, 1, 4 }, LabelFile.Read(Path.Combine(_dir, "l.txt")));
        File.WriteAllText(Path.Combine(_dir, "l.json"), "[1, 5, 9]");
        CollectionAssert.AreEqual(new long[] { 1, 5, 9 }, LabelFile.Read(Path.Combine(_dir, "l.json")));
        File.WriteAllText(Path.Combine(_dir, "bad.json"), "[1, -2]");
        Assert.ThrowsExactly<ModelOptException>(() => LabelFile.Read(Path.Combine(_dir, "bad.json")));
    }
}
