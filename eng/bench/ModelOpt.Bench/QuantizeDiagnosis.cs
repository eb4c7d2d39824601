using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Bench;

/// <summary>
/// <c>quantize-diag</c>: where static int8 loses fidelity or speed on PP-OCRv4 det. Prints the op
/// types ORT runs after its QDQ fusions, then the output cosine with each op type kept float in turn.
/// </summary>
internal static class QuantizeDiagnosis
{
    public static int Run(string[] args)
    {
        args_verbose = args.Contains("--verbose");
        if (BenchArguments.String(args, "--ops") is { } file)
        {
            var m = ModelLoader.Load(file);
            Console.WriteLine($"opset {m.OpsetVersion()}: " + Histogram(m.Graph.AllNodes()));
            foreach (var n in m.Graph.AllNodes().Where(n => n.OpType is "Upsample" or "Resize" or "Slice" or "Pad" or "Clip" or "Softmax" or "Squeeze" or "Unsqueeze" or "Split" or "ReduceMean" or "ReduceSum").GroupBy(n => n.OpType))
                Console.WriteLine($"  {n.Key}: {string.Join(" | ", n.Take(2).Select(x => string.Join(" ", x.Proto.Attribute.Select(a => a.Name)) + $" inputs {x.Inputs.Count}"))}");
            return 0;
        }
        int size = BenchArguments.Int(args, "--det-size", 320);
        int samples = BenchArguments.Int(args, "--samples", 4);
        string baseConfig = BenchArguments.String(args, "--config") ?? "{}";
        string? path = RealModels.TryGetPath(RealModels.Detector, out string why) ?? throw new InvalidOperationException(why);
        var original = Frozen(path);
        var shapes = new Dictionary<string, TensorShape> { [original.Graph.Inputs[0].Name] = TensorShape.Of([1, 3, size, size]) };
        images = args.Contains("--images");
        var inputs = images ? SyntheticDocuments.For(original, shapes, seed: 99) : SyntheticInputs.For(original, shapes, seed: 99);
        using var reference = OrtModelRunner.FromModel(original);
        float[] expected = reference.Run(inputs)[0].ToFloats();
        Console.WriteLine($"fp32 output: mean {expected.Average():G3}, max {expected.Max():G3}, share above 0.3: {expected.Count(v => v > 0.3) / (double)expected.Length:P2}");
        Console.WriteLine("fp32 ops: " + Histogram(original.Graph.Nodes));

        string optimized = Path.Combine(Path.GetTempPath(), "modelopt-det-int8-ort-optimized.onnx");
        var quantized = Quantize(path, shapes, samples, baseConfig, out var notes);
        foreach (var n in notes.Where(n => !n.Contains("kept float"))) Console.WriteLine("  " + n);
        using (var runner = OrtModelRunner.FromModel(quantized, new OrtSessionSettings { OptimizedModelFilePath = optimized }))
            Console.WriteLine($"all quantized: cosine {CosineSimilarity.Of(expected, runner.Run(inputs)[0].ToFloats()):0.0000}");
        Console.WriteLine("ORT-optimized int8 ops: " + Histogram(ModelLoader.Load(optimized).Graph.Nodes));
        if (args.Contains("--resize"))
            foreach (var r in ModelLoader.Load(optimized).Graph.Nodes.Where(n => n.OpType == "Resize"))
                Console.WriteLine($"  {r.Name}: inputs {string.Join(", ", r.Inputs.Select(i => i is null ? "-" : $"{i.Name}<-{i.Producer?.OpType}"))}; output read by {string.Join(", ", r.Output(0).Uses.Select(u => u.Node.OpType))}; attrs {string.Join(" ", r.Proto.Attribute.Select(a => a.Name + "=" + (a.S.IsEmpty ? a.I.ToString() : a.S.ToStringUtf8())))}");
        if (args.Contains("--profile"))
        {
            Profile("fp32", original, inputs);
            Profile("int8", quantized, inputs);
        }
        if (args.Contains("--trace")) Trace(original, quantized, inputs);
        Console.WriteLine("speed: " + QuantizationSpeedCheck.Measure(original, quantized, inputs, BenchArguments.Int(args, "--runs", 7)));
        if (args.Contains("--prepared-baseline"))
        {
            // The exact float rewrites the quantizer makes first, applied to fp32 alone: how much of the speed-up they give by themselves.
            var prepared = Frozen(path);
            Engine.Passes.Quantize.OpsetUpgrade.TryRaiseTo13(prepared);
            int folded = Engine.Passes.Quantize.ConvAffineFolding.Run(prepared.Graph), swish = Engine.Passes.Quantize.HardSwishRewrite.Run(prepared);
            Console.WriteLine($"fp32 with {folded} affine ops folded and {swish} HardSwish vs fp32: " + QuantizationSpeedCheck.Measure(original, prepared, inputs, BenchArguments.Int(args, "--runs", 7)));
            Console.WriteLine("int8 vs that prepared fp32: " + QuantizationSpeedCheck.Measure(prepared, quantized, inputs, BenchArguments.Int(args, "--runs", 7)));
        }

        if (args.Contains("--sensitivity"))
        {
            // Each conv kept float in turn: how much of the loss it alone accounts for.
            var scores = new List<(double Cosine, string Name)>();
            foreach (var conv in original.Graph.Nodes.Where(n => n.OpType == "Conv").Select(n => n.Name).ToList())
            {
                string config = Merge(baseConfig, $$"""{ "exclude": { "nodes": [{{System.Text.Json.JsonSerializer.Serialize("^" + System.Text.RegularExpressions.Regex.Escape(conv) + "$")}}] } }""");
                var q = Quantize(path, shapes, samples, config, out _);
                using var runner = OrtModelRunner.FromModel(q);
                scores.Add((CosineSimilarity.Of(expected, runner.Run(inputs)[0].ToFloats()), conv));
            }
            foreach (var (c, n) in scores.OrderByDescending(s => s.Cosine).Take(12)) Console.WriteLine($"  {n} kept float: cosine {c:0.0000}");
        }
        var types = args.Contains("--sweep") ? new[] { "Conv", "Add", "Mul", "Concat", "Sigmoid", "MaxPool", "AveragePool", "GlobalAveragePool", "LeakyRelu" } : [];
        foreach (var type in types.Where(t => original.Graph.Nodes.Any(n => n.OpType == t)))
        {
            string config = Merge(baseConfig, $$"""{ "exclude": { "opTypes": ["{{type}}"] } }""");
            var q = Quantize(path, shapes, samples, config, out _);
            using var runner = OrtModelRunner.FromModel(q);
            Console.WriteLine($"{type} kept float: cosine {CosineSimilarity.Of(expected, runner.Run(inputs)[0].ToFloats()):0.0000}");
        }
        return 0;
    }

    /// <summary>Cosine of every float tensor of the fp32 graph against the same tensor in the int8 graph, in graph order: the first big drop is the culprit.</summary>
    private static void Trace(Model original, Model quantized, IReadOnlyList<TensorData> inputs)
    {
        var names = original.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v is not null && v.ConstantValue is null).Select(v => v!.Name).Where(new HashSet<string>(quantized.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v is not null).Select(v => v!.Name)).Contains).ToList();
        var producers = original.Graph.Nodes.SelectMany(n => n.Outputs.Where(v => v is not null).Select(v => (v!.Name, n))).ToDictionary(p => p.Name, p => p.n);
        using var a = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(original, names), "fp32");
        using var b = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(quantized, names), "int8");
        var ra = a.Run(inputs, names);
        var rb = b.Run(inputs, names);
        double previous = 1;
        for (int i = 0; i < names.Count; i++)
        {
            float[] x = ra[i].ToFloats(), y = rb[i].ToFloats();
            double c = CosineSimilarity.Of(x, y);
            var node = producers[names[i]];
            if (c < previous - 0.02 || args_verbose)
                Console.WriteLine($"  {c:0.0000} {node.OpType} {node.Name} -> {names[i]} range [{x.Min():G3}, {x.Max():G3}] int8 range [{y.Min():G3}, {y.Max():G3}]");
            previous = c;
        }
    }

    private static bool args_verbose;
    private static bool images;

    /// <summary>Time per operator type (ORT's profile over 10 runs), the op types that take the time first.</summary>
    private static void Profile(string label, Model model, IReadOnlyList<TensorData> inputs)
    {
        string file;
        using (var runner = OrtModelRunner.FromModel(model, new OrtSessionSettings { ProfilePathPrefix = Path.Combine(Path.GetTempPath(), "modelopt-profile-" + label) }))
        {
            for (int i = 0; i < 10; i++) runner.Run(inputs);
            file = runner.EndProfiling();
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var byOp = new Dictionary<string, (double Micros, int Count)>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
            var (m, c) = byOp.GetValueOrDefault(op);
            byOp[op] = (m + e.GetProperty("dur").GetDouble(), c + 1);
        }
        double total = byOp.Values.Sum(v => v.Micros);
        Console.WriteLine($"{label} profile, ms per run: total {total / 10e3:0.00}; " + string.Join(", ", byOp.OrderByDescending(kv => kv.Value.Micros).Select(kv => $"{kv.Key} {kv.Value.Micros / 10e3:0.00} ({kv.Value.Count / 10})")));
        File.Delete(file);
    }

    private static string Merge(string baseConfig, string extra)
    {
        var a = System.Text.Json.Nodes.JsonNode.Parse(baseConfig)!.AsObject();
        foreach (var (k, v) in System.Text.Json.Nodes.JsonNode.Parse(extra)!.AsObject()) a[k] = v?.DeepClone();
        return a.ToJsonString();
    }

    private static Model Frozen(string path)
    {
        var model = ModelLoader.Load(path);
        new PassPipeline([new FreezePass()]).Run(model, new PassContext(path));
        return model;
    }

    private static Model Quantize(string path, Dictionary<string, TensorShape> shapes, int samples, string quantizeSettings, out IReadOnlyList<string> notes)
    {
        var model = Frozen(path);
        using var calibration = images ? SampleSet.SyntheticDocuments(model, samples, seed: 1, shapes) : SampleSet.Synthetic(model, samples, seed: 1, shapes);
        var context = new PassContext("diag") { Config = OptimizeConfig.Parse($$"""{ "quantize": {{quantizeSettings}} }"""), Calibration = new OrtActivationSource(calibration, batchSize: 1) };
        notes = new PassPipeline([new QuantizePass()]).Run(model, context).Single().Notes;
        return model;
    }

    private static string Histogram(IEnumerable<Node> nodes) =>
        string.Join(", ", nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}"));
}
