using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// GRU and RNN have no int8 kernel in ONNX Runtime, so their compression is fp16 and weight
/// sharing: both must write a model ONNX Runtime runs, close to float, with the recurrent layer
/// still in it. int8 of the rest must leave them float and say so rather than fail.
/// </summary>
[TestClass]
public sealed class RecurrentCompressionRunTests
{
    private const long Steps = 6, Features = 32, Hidden = 32;

    // x [6, 1, 32] → {GRU | RNN} (hidden 32) → last hidden state [1, 1, 32] → MatMul 32×4. W and R
    // hold at least 1,024 elements each, the size share-weights starts at.
    private static string Write(string path, string op, int gates, int seed = 11)
    {
        var random = new Random(seed);
        var g = new Engine.Onnx.GraphProto { Name = op.ToLowerInvariant() };
        g.Input.Add(TensorInfo("x", DataType.Float, Steps, 1, Features));
        g.Initializer.Add(FloatTensor("w", [1, gates * Hidden, Features], RandomFloats(random, (int)(gates * Hidden * Features), 0.4f)));
        g.Initializer.Add(FloatTensor("r", [1, gates * Hidden, Hidden], RandomFloats(random, (int)(gates * Hidden * Hidden), 0.4f)));
        g.Initializer.Add(FloatTensor("b", [1, 2 * gates * Hidden], RandomFloats(random, (int)(2 * gates * Hidden), 0.1f)));
        g.Initializer.Add(FloatTensor("head", [Hidden, 4], RandomFloats(random, (int)(Hidden * 4), 0.5f)));
        var rnn = Node(op, ["x", "w", "r", "b"], ["y", "h"], "recurrent");
        rnn.Attribute.Add(IntAttribute("hidden_size", Hidden));
        g.Node.Add(rnn);
        g.Node.Add(Node("MatMul", ["h", "head"], ["logits"], "head"));
        g.Output.Add(TensorInfo("logits", DataType.Float, 1, 1, 4));
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(ModelAround(g)));
        return path;
    }

    private static OptimizeResult Optimize(string source, string output, string pass, string? settings, Engine.Budgets.BudgetSet? budgets) =>
        OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = source,
            OutputPath = output,
            Passes = [pass],
            PassSettings = settings,
            CalibrationSamples = 4,
            Budgets = budgets ?? Engine.Budgets.BudgetSet.None,
        });

    [TestMethod]
    [DataRow("GRU", 3, "fp16")]
    [DataRow("GRU", 3, "share-weights")]
    [DataRow("RNN", 1, "fp16")]
    [DataRow("RNN", 1, "share-weights")]
    public void TheSizePassesWriteARecurrentModelThatRunsCloseToFloat(string op, int gates, string pass)
    {
        using var folder = new TempFolder();
        string source = Write(folder.File("model.onnx"), op, gates);
        string output = folder.File("out.onnx");

        var result = Optimize(source, output, pass, settings: null, Engine.Budgets.BudgetSet.FromText([new("minCosine", "0.99")]));

        Assert.IsTrue(result.Validation!.AllKept);
        Assert.IsGreaterThanOrEqualTo(0.99, result.Validation.Comparison!.MinCosine);
        Assert.IsLessThan(new FileInfo(source).Length, new FileInfo(output).Length);
        Assert.AreEqual(1, ModelLoader.Load(output).Graph.Nodes.Count(n => n.OpType == op));
    }

    [TestMethod]
    [DataRow("GRU", 3)]
    [DataRow("RNN", 1)]
    public void Int8LeavesTheRecurrentLayerFloatAndTheModelRuns(string op, int gates)
    {
        using var folder = new TempFolder();
        string source = Write(folder.File("model.onnx"), op, gates);
        string output = folder.File("out.onnx");

        // This is about the layer left float and the model running: the floor judges the worst sample,
        // and int8 of a random RNN on synthetic noise leaves one near 0.83 (pooled 0.99).
        var noFloor = Engine.Budgets.BudgetSet.FromConfig(System.Text.Json.Nodes.JsonNode.Parse("""{ "fidelityFloor": false }""")!.AsObject(), "test");
        var result = Optimize(source, output, "quantize", """{ "quantize": { "allowSlower": true } }""", noFloor);

        Assert.IsNotNull(result.Validation!.Comparison);
        var written = ModelLoader.Load(output);
        var recurrent = written.Graph.Nodes.Single(n => n.OpType == op);
        // Its weights stay float32 initializers: no kernel would read them in int8.
        Assert.IsTrue(recurrent.Inputs.Skip(1).Take(2).All(w => w!.IsConstant && w.Initializer!.DataType == DataType.Float));
    }
}
