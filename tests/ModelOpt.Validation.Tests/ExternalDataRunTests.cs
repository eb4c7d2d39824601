using ModelOpt.Engine.IO;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>Models saved with external data must run in ONNX Runtime exactly like the inline original, and come back inline intact.</summary>
[TestClass]
public sealed class ExternalDataRunTests
{
    private static readonly SaveOptions ExternalAlways = new() { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 64 };

    [TestMethod]
    public void FixtureWithExternalDataRunsIdenticallyAndComesBackInline()
    {
        using var folder = new TempFolder();
        string source = RoundTripFixtures.Write(RoundTripFixtures.ConvBatchNormShapeChainGemm(), folder.File("source.onnx"));
        CheckExternalRoundTrip(source, folder, null);
    }

    [TestMethod]
    public void RealModelWithExternalDataRunsIdenticallyAndComesBackInline()
    {
        string source = RealModelFiles.Require(RealModels.Classifier);
        using var folder = new TempFolder();
        CheckExternalRoundTrip(source, folder, RealModelFiles.InputShapes(RealModels.Classifier));
    }

    private static void CheckExternalRoundTrip(string source, TempFolder folder, Dictionary<string, Engine.IR.TensorShape>? shapes)
    {
        var model = ModelLoader.Load(source);
        string external = folder.File("external.onnx");
        ModelWriter.Save(model, external, ExternalAlways);

        string dataFile = folder.File("external.onnx.data");
        Assert.IsTrue(File.Exists(dataFile), "the external data file must be written");
        var externalProto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(external));
        var moved = AllTensors(externalProto).Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        Assert.IsNotEmpty(moved, "large initializers must be external");
        Assert.IsTrue(moved.All(t => t.RawData.IsEmpty && t.ExternalData.Single(e => e.Key == "location").Value == "external.onnx.data"));
        Assert.IsLessThan(new FileInfo(source).Length, new FileInfo(external).Length);
        RoundTripAssertions.AssertSameOutputs(source, external, model, shapes);

        var reloaded = ModelLoader.Load(external);
        string inline = folder.File("inline.onnx");
        ModelWriter.Save(reloaded, inline, new SaveOptions { ExternalData = ExternalDataMode.Never });
        Assert.IsFalse(File.Exists(folder.File("inline.onnx.data")));
        var inlineProto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(inline));
        Assert.IsTrue(AllTensors(inlineProto).All(t => t.DataLocation != TensorProto.Types.DataLocation.External && t.ExternalData.Count == 0));
        RoundTripAssertions.AssertSameOutputs(source, inline, model, shapes);
    }

    // Initializers and Constant values: exporters put weights in either.
    private static IEnumerable<TensorProto> AllTensors(ModelProto model) =>
        model.Graph.Initializer.Concat(model.Graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T));
}
