using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer;
using ModelOpt.Engine.Passes.Freeze;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// <c>optimize MODEL --data DIR</c> with no pass named runs the automatic plan; <c>--passes none</c>
/// and a run without data re-serialize as before. A pass that grows the file it was meant to
/// shrink is left out with a warning, as int8 that is slower is.
/// </summary>
[TestClass]
public sealed class AutoPlanTests
{
    private const int Tokens = 8, Width = 32, Samples = 12;

    // x [1, 8, 32] → MatMul 32×32 → Relu → MatMul 32×16: a transformer's feed-forward in miniature.
    private static string WriteModel(TempFolder temp)
    {
        var random = new Random(3);
        float[] Weights(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f).ToArray();
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, Tokens, Width]);
        var h = g.CreateNode("MatMul", [x, g.AddInitializer(Tensor.FromFloats("w1", [Width, Width], Weights(Width * Width)))], name: "fc1").Output(0);
        var r = g.CreateNode("Relu", [h], name: "relu").Output(0);
        var y = g.CreateNode("MatMul", [r, g.AddInitializer(Tensor.FromFloats("w2", [Width, 16], Weights(Width * 16)))], name: "fc2").Output(0);
        y.ElementType = DataType.Float;
        g.AddOutput(y);
        string path = temp.File("ffn.onnx");
        ModelWriter.Save(model, path);
        string data = Directory.CreateDirectory(temp.File("data")).FullName;
        var rows = Enumerable.Range(0, Samples * Tokens * Width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        NpyFile.Write(Path.Combine(data, "x.npy"), [Samples, Tokens, Width], rows);
        return path;
    }

    [TestMethod]
    public void AppliesOnlyWhenNoPassIsNamedAndDataIsGiven()
    {
        var config = OptimizeConfig.Empty;
        var given = new OptimizeOptions { ModelPath = "m.onnx", OutputPath = "o.onnx", DataPath = "data" };
        Assert.IsTrue(AutoPlan.AppliesTo(given, config));
        Assert.IsFalse(AutoPlan.AppliesTo(given with { Passes = ["none"] }, config), "--passes none re-serializes");
        Assert.IsFalse(AutoPlan.AppliesTo(given with { Passes = ["freeze"] }, config));
        Assert.IsFalse(AutoPlan.AppliesTo(given with { DataPath = null }, config), "without data nothing could be judged but noise");
        Assert.IsFalse(AutoPlan.AppliesTo(given with { Search = true }, config), "--search alone keeps its own meaning");
        Assert.IsFalse(AutoPlan.AppliesTo(given, OptimizeConfig.Parse("""{ "passes": ["freeze"] }""")), "the config named passes");
    }

    [TestMethod]
    public void TriesEveryPlanAndSaysWhatEachGave()
    {
        using var temp = new TempFolder();
        string model = WriteModel(temp);
        var options = new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = temp.File("out.onnx"),
            DataPath = temp.File("data"),
            SearchTime = TimeSpan.FromSeconds(60),
            Lock = LockUse.Auto,
        };
        var result = OptimizeJob.Run(options);

        Assert.IsTrue(File.Exists(result.OutputPath));
        _ = ModelLoader.Load(result.OutputPath);
        var lines = result.Notes.Concat(result.Warnings.Select(w => w.Message)).ToList();
        string all = string.Join("\n", lines);
        // Freeze, both int8 searches (the model has MatMuls with constant weights), fp16 and share-weights are each accounted for.
        foreach (string plan in new[] { "freeze", AutoPlan.StaticPlanName, "search (dynamic int8 for MatMul/Gemm)", "fp16", "share-weights" })
            StringAssert.Contains(all, plan, $"no word on plan '{plan}':\n{all}");
        // Freeze finds nothing to fold here; the plans that rewrite are timed against the original.
        StringAssert.Contains(all, "freeze: changed nothing");
        StringAssert.Contains(all, "fp16: ");
        Assert.IsTrue(all.Contains("fp16: slower", StringComparison.Ordinal) || all.Contains("fp16: faster", StringComparison.Ordinal) || all.Contains("fp16: no faster beyond the noise", StringComparison.Ordinal), all);
        bool chose = lines.Any(l => l.StartsWith("automatic plan: chose ", StringComparison.Ordinal));
        var nothing = result.Warnings.Where(w => w.Code == WarningCode.NoGain && w.Message.StartsWith("automatic plan: nothing paid", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(chose ^ nothing.Count == 1, $"either a plan is chosen or one line says why none paid:\n{all}");
        if (chose) Assert.IsTrue(result.Passes.Any(p => p.Changed), "a chosen plan changed the model");
        else Assert.AreEqual(0, result.Passes.Count, "nothing paid: the original is written");
        Assert.AreEqual(0, Directory.GetFiles(temp.Path).Count(f => f.Contains("plan", StringComparison.Ordinal)), "the plans' models are not left beside the output");

        // The whole plan's choice is locked, not its trials': the next build replays it, trying nothing, into the same bytes.
        string lockPath = Engine.Plan.LockFile.DefaultPathFor(model);
        Assert.IsTrue(File.Exists(lockPath), "the automatic plan decided: its lock is written beside the model");
        var again = OptimizeJob.Run(options with { OutputPath = temp.File("again.onnx") });
        Assert.IsTrue(again.Replayed, string.Join("\n", again.Notes));
        Assert.IsFalse(again.Notes.Any(n => n.StartsWith("automatic plan:", StringComparison.Ordinal)), string.Join("\n", again.Notes));
        CollectionAssert.AreEqual(File.ReadAllBytes(result.OutputPath), File.ReadAllBytes(again.OutputPath));
    }

    // x [1, 16, 64] → LayerNorm → Q, K, V → softmax(Q·Kᵀ/8)·V → Wo → + x → LayerNorm → W1 → GELU (Erf) → W2 → + : one encoder block.
    private static string WriteTransformerBlock(TempFolder temp)
    {
        const int T = 16, D = 64, F = 128;
        var random = new Random(7);
        float[] Weights(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        Value Const(string name, long[] dims, float[] values) => g.AddInitializer(Tensor.FromFloats(name, dims, values));
        Value Op(string op, string name, params Value[] inputs) => g.CreateNode(op, inputs, name: name).Output(0);
        Value Norm(string name, Value v) => Op("LayerNormalization", name, v, Const($"{name}.g", [D], Weights(D, 0.1f).Select(w => 1 + w).ToArray()), Const($"{name}.b", [D], Weights(D, 0.1f)));
        Value Dense(string name, Value v, int k, int n) => Op("MatMul", name, v, Const($"{name}.w", [k, n], Weights(k * n, 1 / MathF.Sqrt(k))));
        var x = g.AddInput("x", DataType.Float, [1, T, D]);
        var h = Norm("ln1", x);
        var q = Dense("q", h, D, D);
        var k = Dense("k", h, D, D);
        var v = Dense("v", h, D, D);
        var kt = g.CreateNode("Transpose", [k], name: "kt");
        kt.SetInts("perm", [0, 2, 1]);
        var scores = Op("Div", "scale", Op("MatMul", "qk", q, kt.Output(0)), Const("sqrt_d", [], [8f]));
        var attention = Op("MatMul", "av", Op("Softmax", "softmax", scores), v);
        var r1 = Op("Add", "residual1", x, Dense("o", attention, D, D));
        var u = Dense("ffn1", Norm("ln2", r1), D, F);
        var gelu = Op("Mul", "gelu", Op("Mul", "gelu_half", u, Const("half", [], [0.5f])),
            Op("Add", "gelu_one", Op("Erf", "erf", Op("Div", "gelu_scale", u, Const("sqrt2", [], [MathF.Sqrt(2)]))), Const("one", [], [1f])));
        var y = Op("Add", "residual2", r1, Dense("ffn2", gelu, F, D));
        y.ElementType = DataType.Float;
        g.AddOutput(y);
        string path = temp.File("block.onnx");
        ModelWriter.Save(model, path);
        string data = Directory.CreateDirectory(temp.File("block-data")).FullName;
        NpyFile.Write(Path.Combine(data, "x.npy"), [12, T, D], Weights(12 * T * D, 1.5f));
        return path;
    }

    [TestMethod]
    [DataRow("""{ "quantize": { "mode": "dynamic", "allowSlower": true } }""")]
    [DataRow("""{ "quantize": { "dynamicMatMul": true, "allowSlower": true } }""")]
    public void DynamicInt8KeepsAttentionLayerNormAndGeluAsTheyAre(string settings)
    {
        using var temp = new TempFolder();
        string model = WriteTransformerBlock(temp);
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = temp.File("out.onnx"),
            DataPath = temp.File("block-data"),
            Passes = ["freeze", "quantize"],
            PassSettings = settings,
        });

        var written = ModelLoader.Load(result.OutputPath).Graph.Nodes.ToList();
        // The six layers with constant weights read int8 weights; the two products of activations stay float
        // (static mode with every MatMul dynamic leaves the Adds and Muls between them float too: no static layer reaches them).
        // q, k and v read ln1's output: one quantization of it feeds all three, as ONNX Runtime's quantizer writes them.
        Assert.AreEqual(3, written.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        var shared = written.Single(n => n.OpType == "DynamicQuantizeLinear");
        Assert.AreEqual("ln1", shared.Input(0)!.Producer!.Name);
        var sharing = written.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
        CollectionAssert.AreEquivalent(new[] { "q_dynamic", "k_dynamic", "v_dynamic" }, sharing.Select(n => n.Name).ToArray());
        Assert.IsTrue(sharing.All(n => n.Input(0) == shared.Output(0) && n.Input(2) == shared.Output(1) && n.Input(4) == shared.Output(2)));
        Assert.AreEqual(0, written.Count(n => n.OpType == "QuantizeLinear"));
        CollectionAssert.AreEquivalent(new[] { "qk", "av" }, written.Where(n => n.OpType == "MatMul").Select(n => n.Name).ToArray());
        Assert.AreEqual(2, written.Count(n => n.OpType == "LayerNormalization"));
        Assert.AreEqual(1, written.Count(n => n.OpType == "Erf"));
        Assert.AreEqual(1, written.Count(n => n.OpType == "Softmax"));
        Assert.IsTrue(result.Validation!.Comparison!.MinCosine >= 0.99, result.Validation.Comparison.Summary());
    }

    [TestMethod]
    public void PassesNoneStillReserializesOnly()
    {
        using var temp = new TempFolder();
        string model = WriteModel(temp);
        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), DataPath = temp.File("data"), Passes = ["none"] });
        Assert.AreEqual(0, result.Passes.Count);
        Assert.IsFalse(result.Notes.Any(n => n.Contains("automatic plan", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void APassThatGrowsTheFileIsLeftOutWithAWarning()
    {
        using var temp = new TempFolder();
        string model = WriteModel(temp);
        var registry = new PassRegistry();
        registry.Register(FreezePass.PassName, () => new FreezePass());
        registry.Register(Padding.PassName, () => new Padding());
        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), DataPath = temp.File("data"), Passes = ["freeze", Padding.PassName] }, registry);

        var warning = result.Warnings.Single(w => w.Code == WarningCode.PassSkipped);
        StringAssert.StartsWith(warning.Message, "pad skipped: it grew the file it was meant to shrink");
        Assert.IsFalse(result.Passes.Any(p => p.Pass == Padding.PassName), "the model is written without it");
        Assert.IsTrue(result.OutputBytes <= result.SourceBytes * 1.01, $"{result.OutputBytes} bytes written for a {result.SourceBytes}-byte source");
    }

    // Adds zero to the output through a large constant: the answers are the same, the file much bigger, the FLOPs not fewer.
    private sealed class Padding : IPass
    {
        public const string PassName = "pad";

        public string Name => PassName;

        public string Description => "test: grows the file";

        public PassOutcome Run(Model model, PassContext context)
        {
            var g = model.Graph;
            var fc1 = g.Nodes.Single(n => n.Name == "fc1");
            var bulk = g.AddInitializer(Tensor.FromFloats("pad.bulk", [64 * 1024], new float[64 * 1024]));
            var sum = g.CreateNode("ReduceSum", [bulk], name: "pad.sum").Output(0);
            var padded = g.CreateNode("Add", [fc1.Input(0), sum], name: "pad.add", before: fc1).Output(0);
            fc1.SetInput(0, padded);
            return new PassOutcome(true, 1, []);
        }
    }
}
