using ModelOpt.Engine.IO;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>load → save must not change a model: not its outputs (to the bit) and not its message.</summary>
[TestClass]
public sealed class LosslessRoundTripTests
{
    public static IEnumerable<object[]> FixtureNames => RoundTripFixtures.All.Select(f => new object[] { f.Name });

    [TestMethod]
    [DynamicData(nameof(FixtureNames))]
    public void GeneratedFixtureSurvivesLoadAndSave(string name)
    {
        using var folder = new TempFolder();
        string source = RoundTripFixtures.Write(RoundTripFixtures.All.Single(f => f.Name == name).Build(), folder.File("source.onnx"));
        var model = ModelLoader.Load(source);
        string saved = folder.File("saved.onnx");
        ModelWriter.Save(model, saved);

        RoundTripAssertions.AssertSameProto(source, saved);
        RoundTripAssertions.AssertSameOutputs(source, saved, model);
    }

    [TestMethod]
    public void FunctionMetadataDocStringsAndUnknownFieldSurvive()
    {
        using var folder = new TempFolder();
        var original = RoundTripFixtures.LocalFunctionWithUnknownField();
        string source = RoundTripFixtures.Write(original, folder.File("source.onnx"));
        string saved = folder.File("saved.onnx");
        ModelWriter.Save(ModelLoader.Load(source), saved);
        var reread = ModelProto.Parser.ParseFrom(File.ReadAllBytes(saved));

        Assert.AreEqual(original.MetadataProps, reread.MetadataProps);
        Assert.AreEqual("function fixture", reread.DocString);
        Assert.AreEqual(original.OpsetImport, reread.OpsetImport);
        Assert.AreEqual(original.Functions, reread.Functions);
        Assert.AreEqual("fixture", reread.Functions[0].MetadataProps.Single().Value);
        Assert.AreEqual("ModelOpt.TestSupport", reread.ProducerName);
        Assert.AreEqual("1.2.3", reread.ProducerVersion);

        var tanh = reread.Graph.Node.Single(n => n.OpType == "Tanh");
        Assert.AreEqual("node doc string", tanh.DocString);
        Assert.AreEqual(original.Graph.Node.Single(n => n.OpType == "Tanh"), tanh, "node fields, unknown field included, must be kept");
        Assert.IsTrue(ContainsUnknownField(tanh), "the unknown field must be in the saved node");
    }

    [TestMethod]
    [DynamicData(nameof(RealModelFiles.Names), typeof(RealModelFiles))]
    public void RealModelSurvivesLoadAndSave(string fileName)
    {
        string source = RealModelFiles.Require(fileName);
        using var folder = new TempFolder();
        var model = ModelLoader.Load(source);
        string saved = folder.File("saved.onnx");
        ModelWriter.Save(model, saved);

        RoundTripAssertions.AssertSameProto(source, saved);
        RoundTripAssertions.AssertSameOutputs(source, saved, model, RealModelFiles.InputShapes(fileName));
    }

    private static bool ContainsUnknownField(NodeProto node)
    {
        // The field is not in NodeProto's schema, so it can only be seen in the serialized bytes: tag then value.
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(node);
        using var stream = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(stream);
        output.WriteTag(RoundTripFixtures.UnknownFieldNumber, Google.Protobuf.WireFormat.WireType.Varint);
        output.WriteUInt64(4242);
        output.Flush();
        return bytes.AsSpan().IndexOf(stream.ToArray()) >= 0;
    }
}
