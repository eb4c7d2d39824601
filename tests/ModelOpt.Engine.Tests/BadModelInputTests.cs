using Google.Protobuf;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;

namespace ModelOpt.Engine.Tests;

/// <summary>Every kind of bad model file ends in one clear error naming the file, never a crash or a hang.</summary>
[TestClass]
public sealed class BadModelInputTests
{
    private static TempFolder _folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = new TempFolder();

    [ClassCleanup]
    public static void DeleteFolder() => _folder.Dispose();

    private static string Write(string name, byte[] bytes)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestMethod]
    public void MissingFile() =>
        Assert.AreEqual(ErrorCode.ModelFileNotFound, LoadFailures.Expect(_folder.File("no-such-model.onnx")).Code);

    [TestMethod]
    public void EmptyFile() =>
        Assert.AreEqual(ErrorCode.ModelFileEmpty, LoadFailures.Expect(Write("empty.onnx", [])).Code);

    [TestMethod]
    public void TruncatedGeneratedModel()
    {
        byte[] whole = RoundTripFixtures.ConvBatchNormShapeChainGemm().ToByteArray();
        var error = LoadFailures.Expect(Write("truncated-fixture.onnx", whole[..(whole.Length / 2)]));
        Assert.AreEqual(ErrorCode.ModelNotProtobuf, error.Code);
        StringAssert.Contains(error.Message, "truncated");
    }

    [TestMethod]
    public void TruncatedRealModel()
    {
        string source = Prerequisites.RealModel(RealModels.Classifier);
        byte[] whole = File.ReadAllBytes(source);
        var error = LoadFailures.Expect(Write("truncated-real.onnx", whole[..(whole.Length / 2)]));
        Assert.AreEqual(ErrorCode.ModelNotProtobuf, error.Code);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    [DataRow(6)]
    [DataRow(7)]
    [DataRow(8)]
    public void RandomBytes(int seed)
    {
        var bytes = new byte[new Random(seed).Next(1, 64 * 1024)];
        new Random(seed).NextBytes(bytes);
        var error = LoadFailures.Expect(Write($"random-{seed}.onnx", bytes));
        Assert.IsTrue(error.Code is ErrorCode.ModelNotProtobuf or ErrorCode.ModelNotOnnx, error.ToString());
    }

    [TestMethod]
    public void TensorProtoAlone()
    {
        var tensor = ProtoBuilders.FloatTensor("w", [4, 4], ProtoBuilders.RandomFloats(new Random(1), 16));
        var error = LoadFailures.Expect(Write("tensor.pb", tensor.ToByteArray()));
        Assert.IsTrue(error.Code is ErrorCode.ModelNotProtobuf or ErrorCode.ModelNotOnnx, error.ToString());
    }

    [TestMethod]
    public void GraphProtoAlone()
    {
        var graph = RoundTripFixtures.IfReadingOuterValues().Graph;
        var error = LoadFailures.Expect(Write("graph.pb", graph.ToByteArray()));
        Assert.IsTrue(error.Code is ErrorCode.ModelNotProtobuf or ErrorCode.ModelNotOnnx, error.ToString());
    }

    [TestMethod]
    public void GraphWithCycle()
    {
        var error = LoadFailures.Expect(Write("cycle.onnx", BrokenModels.WithCycle().ToByteArray()));
        Assert.AreEqual(ErrorCode.GraphHasCycle, error.Code);
        StringAssert.Contains(error.Message, "first");
    }

    [TestMethod]
    public void DanglingNodeInput()
    {
        var error = LoadFailures.Expect(Write("dangling.onnx", BrokenModels.WithDanglingInput().ToByteArray()));
        Assert.AreEqual(ErrorCode.GraphHasDanglingInput, error.Code);
        StringAssert.Contains(error.Message, "ghost");
    }

    [TestMethod]
    public void ValueProducedTwice()
    {
        var error = LoadFailures.Expect(Write("twice.onnx", BrokenModels.WithValueProducedTwice().ToByteArray()));
        Assert.AreEqual(ErrorCode.GraphInvalid, error.Code);
        StringAssert.Contains(error.Message, "'y'");
    }
}
