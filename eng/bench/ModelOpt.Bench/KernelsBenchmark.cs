using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.IO;
using ModelOpt.Optimizer;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// <c>kernels</c>: for any model and its rewrites, on the user's samples: the ops ONNX Runtime runs
/// after its own fusions (QLinearConv or Conv, QuantizeLinear/DequantizeLinear left over), kernel
/// time per op from ORT's profiler, per-sample cosine of each rewrite against the first model on the
/// held-out samples, and the latency ratio measured interleaved at default threads and at 1 thread
/// (wall time, as the user runs it), then on the search's decision clock.
/// </summary>
internal static class KernelsBenchmark
{
    public static int Run(string[] args)
    {
        var paths = (BenchArguments.String(args, "--models") ?? throw new ArgumentException("--models ORIGINAL,REWRITE[,…]")).Split(',');
        string data = BenchArguments.String(args, "--data") ?? throw new ArgumentException("--data DIR");
        int from = BenchArguments.Int(args, "--judge-from", 0);
        int runs = BenchArguments.Int(args, "--runs", 15);
        var original = ModelLoader.Load(paths[0]);
        using var set = SampleSet.FromFolder(data, original);
        var samples = set.Batches(1).Select(b => (IReadOnlyList<TensorData>)b.ToList()).ToList();
        Console.WriteLine($"{samples.Count} samples in {data}; judged on samples {from}..{samples.Count - 1}; load {File.ReadAllText("/proc/loadavg").Trim()}");

        var reference = new List<float[]>();
        using (var runner = OrtModelRunner.FromFile(paths[0]))
            foreach (var s in samples.Skip(from)) reference.Add(runner.Run(s)[0].ToFloats());
        if (BenchArguments.String(args, "--trace") is { } traced)
        {
            Trace(original, ModelLoader.Load(paths[1]), samples[int.Parse(traced)]);
            return 0;
        }
        foreach (var path in paths)
        {
            string optimized = Path.Combine(Path.GetTempPath(), $"modelopt-kernels-{Environment.ProcessId}.onnx");
            var cosines = new List<double>();
            using (var runner = OrtModelRunner.FromFile(path, new OrtSessionSettings { OptimizedModelFilePath = optimized }))
                foreach (var (s, i) in samples.Skip(from).Select((s, i) => (s, i))) cosines.Add(CosineSimilarity.Of(reference[i], runner.Run(s)[0].ToFloats()));
            var fused = ModelLoader.Load(optimized).Graph.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
            File.Delete(optimized);
            Console.WriteLine($"{Path.GetFileName(path)}: per-sample cosine worst {cosines.Min():0.00000}, mean {cosines.Average():0.00000}");
            Console.WriteLine($"  ORT runs: {string.Join(", ", fused)}");
            if (!args.Contains("--no-profile")) Profile(path, samples[0]);
        }
        foreach (int threads in new[] { 0, 1 })
        {
            var session = new OrtSessionSettings { IntraOpThreads = threads };
            var timed = InterleavedTiming.Measure(paths[0], paths.Skip(1).Select(p => (Path.GetFileName(p), p)).ToList(), samples[0], DecisionClock.Wall(session), TimeSpan.FromSeconds(BenchArguments.Int(args, "--seconds", 60)), runs, runs * 4);
            foreach (var t in timed) Console.WriteLine($"{(threads == 0 ? "default threads" : "1 thread")}: {t.Name} {t.Describe()}");
        }
        // What the search's speed decisions see (one thread, the thread's CPU time): run beside a busy
        // process, its bound should stay where an idle machine puts it while the wall-time rows widen.
        var decisions = InterleavedTiming.Measure(paths[0], paths.Skip(1).Select(p => (Path.GetFileName(p), p)).ToList(), samples[0], DecisionClock.For(OrtSessionSettings.Default), TimeSpan.FromSeconds(BenchArguments.Int(args, "--seconds", 60)), runs, runs * 4);
        foreach (var t in decisions) Console.WriteLine($"decision clock: {t.Name} {t.Describe()}");
        Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>Cosine of every float tensor both graphs compute, in graph order, on one sample: where the error enters.</summary>
    private static void Trace(Engine.IR.Model original, Engine.IR.Model rewritten, IReadOnlyList<TensorData> inputs)
    {
        var have = new HashSet<string>(rewritten.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v is not null).Select(v => v!.Name));
        var names = original.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v is not null && v.ConstantValue is null && have.Contains(v.Name)).Select(v => v!.Name).ToList();
        var producers = original.Graph.Nodes.SelectMany(n => n.Outputs.Where(v => v is not null).Select(v => (v!.Name, n))).ToDictionary(p => p.Name, p => p.n);
        using var a = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(original, names), "a");
        using var b = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(rewritten, names), "b");
        var ra = a.Run(inputs, names);
        var rb = b.Run(inputs, names);
        for (int i = 0; i < names.Count; i++)
        {
            float[] x = ra[i].ToFloats(), y = rb[i].ToFloats();
            var node = producers[names[i]];
            Console.WriteLine($"  {CosineSimilarity.Of(x, y):0.00000} {node.OpType} {node.Name} range [{x.Min():G3}, {x.Max():G3}] rewritten [{y.Min():G3}, {y.Max():G3}]");
        }
    }

    /// <summary>Kernel time per op type over 10 runs, the op types that take the time first; then the 8 slowest nodes.</summary>
    private static void Profile(string path, IReadOnlyList<TensorData> inputs)
    {
        string file;
        using (var runner = OrtModelRunner.FromFile(path, new OrtSessionSettings { ProfilePathPrefix = Path.Combine(Path.GetTempPath(), "modelopt-kernels-profile") }))
        {
            runner.Run(inputs);
            for (int i = 0; i < 10; i++) runner.Run(inputs);
            file = runner.EndProfiling();
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var byOp = new Dictionary<string, (double Micros, int Count)>();
        var byNode = new Dictionary<string, (string Op, double Micros)>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("name").GetString() is not { } name || !name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
            double dur = e.GetProperty("dur").GetDouble();
            var (m, c) = byOp.GetValueOrDefault(op);
            byOp[op] = (m + dur, c + 1);
            var (_, nm) = byNode.GetValueOrDefault(name);
            byNode[name] = (op, nm + dur);
        }
        // The first run after session creation is in the profile too: 11 runs.
        double total = byOp.Values.Sum(v => v.Micros) / 11e3;
        Console.WriteLine($"  kernel ms per run: total {total:0.00}; " + string.Join(", ", byOp.OrderByDescending(kv => kv.Value.Micros).Select(kv => $"{kv.Key} {kv.Value.Micros / 11e3:0.00} ({kv.Value.Count / 11})")));
        Console.WriteLine("  slowest nodes: " + string.Join(", ", byNode.OrderByDescending(kv => kv.Value.Micros).Take(8).Select(kv => $"{kv.Key.Replace("_kernel_time", "")} [{kv.Value.Op}] {kv.Value.Micros / 11e3:0.00}")));
        File.Delete(file);
    }
}
