using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Fp16;
using ModelOpt.TestSupport;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class Fp16PassTests
{
    private static PassReport Convert(Model model, string config = "{}") =>
        new PassPipeline([new Fp16Pass()]).Run(model, new PassContext("test.onnx") { Config = OptimizeConfig.Parse(config) }).Single();

    /// <summary>Saves, reloads from the file with ONNX Runtime and runs: what a user would get.</summary>
    private static (long Bytes, IReadOnlyList<TensorData> Outputs) SaveAndRun(Model model, IReadOnlyList<TensorData> inputs, TempFolder temp, string name)
    {
        string path = Path.Combine(temp.Path, name);
        ModelWriter.Save(model, path);
        using var runner = OrtModelRunner.FromFile(path);
        return (new FileInfo(path).Length, runner.Run(inputs));
    }

    [TestMethod]
    public void SeedCnnHalvesAndKeepsItsOutputsAndAccuracy()
    {
        using var temp = new TempFolder();
        using var original = OrtModelRunner.FromFile(SeedDigits.ModelPath);
        var expected = SeedDigits.Logits(original);
        var model = ModelLoader.Load(SeedDigits.ModelPath);

        Convert(model);

        string path = Path.Combine(temp.Path, "seed-fp16.onnx");
        ModelWriter.Save(model, path);
        using var converted = OrtModelRunner.FromFile(path);
        Assert.AreEqual(DataType.Float, converted.Inputs.Single().ElementType, "input stays float32");
        Assert.AreEqual(DataType.Float, converted.Outputs.Single().ElementType, "output stays float32");
        Assert.IsTrue(model.Graph.Initializers.All(i => i.Initializer!.DataType == DataType.Float16));
        var actual = SeedDigits.Logits(converted);
        double ratio = (double)new FileInfo(path).Length / new FileInfo(SeedDigits.ModelPath).Length;
        Assert.IsLessThanOrEqualTo(0.55, ratio, $"size ratio {ratio:P1}");
        double cosine = OutputComparison.Cosine(expected, actual);
        Assert.IsGreaterThanOrEqualTo(0.999, cosine, $"cosine {cosine}");
        Assert.IsLessThanOrEqualTo(0.002, Math.Abs(SeedDigits.Accuracy(expected) - SeedDigits.Accuracy(actual)));
    }

    [TestMethod]
    [DynamicData(nameof(RealModelFiles.Names), typeof(RealModelFiles))]
    public void PaddleOcrModelsHalveWithCosineAbove0999(string fileName)
    {
        string source = RealModelFiles.Require(fileName);
        using var temp = new TempFolder();
        var inputs = OcrInputs.For(fileName);
        using var original = OrtModelRunner.FromFile(source);
        var expected = original.Run(inputs);
        var model = ModelLoader.Load(source);

        var report = Convert(model);

        var (bytes, actual) = SaveAndRun(model, inputs, temp, fileName);
        double ratio = (double)bytes / new FileInfo(source).Length;
        double cosine = OutputComparison.Cosine(expected, actual);
        string notes = string.Join("\n", report.Notes);
        Assert.IsLessThanOrEqualTo(0.55, ratio, $"size ratio {ratio:P1}\n{notes}");
        Assert.IsGreaterThanOrEqualTo(0.999, cosine, $"cosine {cosine}\n{notes}");
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.ConstantOutput is { DataType: DataType.Float, ElementCount: >= 1024 }), "large Constant-node weights are float16");
    }

    [TestMethod]
    public void BlockedOpsStayFloat32BehindCastsAndIntegerTensorsAreUntouched()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [2, 8]);
        var t = new PassTestModels(3);
        var w = t.Weight(g, "w", 8, 8);
        var matmul = g.CreateNode("MatMul", [x, w], name: "matmul");
        var softmax = g.CreateNode("Softmax", [matmul.Output(0)], name: "softmax");
        var shape = g.AddInitializer(Tensor.FromInt64s("shape", [2], [4, 4]));
        var reshape = g.CreateNode("Reshape", [softmax.Output(0), shape], name: "reshape");
        PassTestModels.DeclareOutput(g, reshape.Output(0));
        var inputs = SyntheticInputs.For(model, seed: 4);
        var expected = OutputComparison.Run(model, inputs);

        var report = Convert(model);

        Assert.AreEqual(DataType.Float16, g.FindValue("w")!.Initializer!.DataType);
        Assert.AreEqual(DataType.Int64, g.FindValue("shape")!.Initializer!.DataType, "shape tensors keep their type");
        var softmaxNode = g.Nodes.Single(n => n.OpType == "Softmax");
        Assert.AreEqual("Cast", softmaxNode.Input(0)!.Producer!.OpType, "a Cast feeds the blocked op float32");
        Assert.AreEqual((long)DataType.Float, softmaxNode.Input(0)!.Producer!.GetInt("to", 0));
        Assert.AreEqual(DataType.Float, g.Outputs.Single().ElementType);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("blocked op type: Softmax×1")), string.Join("\n", report.Notes));
        Assert.IsLessThan(2e-3, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }

    [TestMethod]
    public void WithoutKeepIoTypesTheInterfaceBecomesFloat16()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 16]);
        var w = new PassTestModels(5).Weight(g, "w", 16, 4);
        var matmul = g.CreateNode("MatMul", [x, w], name: "matmul");
        PassTestModels.DeclareOutput(g, matmul.Output(0));

        Convert(model, """{ "fp16": { "keepIoTypes": false } }""");

        using var runner = OrtModelRunner.FromModel(model);
        Assert.AreEqual(DataType.Float16, runner.Inputs.Single().ElementType);
        Assert.AreEqual(DataType.Float16, runner.Outputs.Single().ElementType);
        Assert.IsFalse(g.Nodes.Any(n => n.OpType == "Cast"), "no boundary Casts");
        var output = runner.Run([TensorData.FromArray("x", DataType.Float16, [1, 16], Enumerable.Repeat((Half)1, 16).ToArray())]).Single();
        Assert.AreEqual(DataType.Float16, output.ElementType);
    }

    [TestMethod]
    public void ConstantsBeyondTheFloat16RangeAreClampedNotInfinite()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [4]);
        var bound = g.CreateNode("Constant", [], name: "bound");
        bound.SetFloat("value_float", 1e9f);
        var min = g.CreateNode("Min", [x, bound.Output(0)], name: "min");
        PassTestModels.DeclareOutput(g, min.Output(0));

        var report = Convert(model);

        var converted = g.Nodes.Single(n => n.OpType == "Constant").ConstantOutput!;
        Assert.AreEqual(DataType.Float16, converted.DataType);
        Assert.AreEqual((Half)65504f, converted.Span<Half>()[0]);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("1 weight value(s) beyond ±65504 clamped")), string.Join("\n", report.Notes));
        var output = OutputComparison.Run(model, [TensorData.FromFloats("x", [4], [1, -2, 3e5f, 0.5f])]).Single().ToFloats();
        CollectionAssert.AreEqual(new[] { 1f, -2f, 65504f, 0.5f }, output);
    }

    [TestMethod]
    [DataRow("{}", 2, DisplayName = "both Casts become no-ops")]
    [DataRow("""{ "overrides": { "nodes": { "^up$": { "fp16": null } } } }""", 1, DisplayName = "float16 → float32 → float16 pair")]
    public void CastsThatRoundTripOrChangeNothingAreRemoved(string config, int removed)
    {
        // x (float16) → Cast(float32) → Cast(float16) → Relu: the pair gives back x exactly.
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float16, [6]);
        var up = g.CreateNode("Cast", [x], name: "up");
        up.SetInt("to", (long)DataType.Float);
        var down = g.CreateNode("Cast", [up.Output(0)], name: "down");
        down.SetInt("to", (long)DataType.Float16);
        var relu = g.CreateNode("Relu", [down.Output(0)], name: "relu");
        relu.Output(0).ElementType = DataType.Float16;
        g.AddOutput(relu.Output(0));
        var inputs = new[] { TensorData.FromArray("x", DataType.Float16, [6], new[] { (Half)1, (Half)(-2), (Half)0.1, (Half)65504, (Half)(-0.5), (Half)3 }) };
        var expected = OutputComparison.Run(model, inputs);

        var report = Convert(model, config);

        Assert.IsFalse(g.Nodes.Any(n => n.OpType == "Cast"), string.Join(", ", g.Nodes));
        Assert.AreSame(g.Inputs.Single(), g.Nodes.Single().Input(0));
        Assert.IsTrue(expected.Single().BitEquals(OutputComparison.Run(model, inputs).Single()));
        Assert.IsTrue(report.Notes.Any(n => n.Contains($"{removed} redundant Cast(s) removed")), string.Join("\n", report.Notes));
    }

    [TestMethod]
    public void NodesTheConfigLeavesAloneStayFloat32()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 8]);
        var t = new PassTestModels(6);
        var first = g.CreateNode("MatMul", [x, t.Weight(g, "w1", 8, 8)], name: "first");
        var second = g.CreateNode("MatMul", [first.Output(0), t.Weight(g, "w2", 8, 8)], name: "second");
        PassTestModels.DeclareOutput(g, second.Output(0));

        Convert(model, """{ "fp16": {}, "overrides": { "nodes": { "^second$": { "fp16": null } } } }""");

        Assert.AreEqual(DataType.Float16, g.FindValue("w1")!.Initializer!.DataType);
        Assert.AreEqual(DataType.Float, g.FindValue("w2")!.Initializer!.DataType);
        Assert.AreEqual(DataType.Float, g.Nodes.Single(n => n.Name == "second").Output(0).ElementType);
        using var runner = OrtModelRunner.FromModel(model);
        runner.Run(SyntheticInputs.For(model));
    }

    [TestMethod]
    [DataRow("""{ "fp16": { "keepIoTypes": "yes" } }""", "fp16.keepIoTypes")]
    [DataRow("""{ "fp16": { "blockOps": "Resize" } }""", "fp16.blockOps")]
    [DataRow("""{ "fp16": { "keepIO": true } }""", "fp16.keepIO")]
    public void BadSettingsAreConfigErrorsNamingTheKey(string config, string key)
    {
        var model = Model.Create(opset: 17);
        var x = model.Graph.AddInput("x", DataType.Float, [1]);
        PassTestModels.DeclareOutput(model.Graph, model.Graph.CreateNode("Relu", [x]).Output(0));
        var e = Assert.ThrowsExactly<ModelOptException>(() => Convert(model, config));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        Assert.Contains(key, e.Message);
    }
}
