using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// <c>memory-estimate</c>: the memory estimate (<see cref="ActivationMemory"/>) against the peak
/// resident memory (VmHWM) of a fresh process doing the run the estimate sizes, at batch sizes
/// 1..k: <c>validate</c> runs the model against itself as validation does (two sessions, arena
/// on, nothing exposed); <c>calibrate</c> streams every float node output as calibration exposes
/// them (arena off). Models: PP-OCRv4 det at 640² and rec at 48×320 on real pages
/// (eng/fetch-pages.sh det640 rec48), ISNet at 1024² (eng/fetch-isnet.sh, fetch-pages.sh
/// isnet1024) and a generated NHWC dense predictor at 512² (<see cref="NhwcSegmenter"/>, random
/// inputs). Exit 1 when an estimate is off the measured peak by more than 1.3× either way.
/// </summary>
internal static class MemoryEstimateBenchmark
{
    public const string ChildCommand = "_memory-estimate-child";

    private sealed record Target(string Name, string Model, string Data);

    public static int Run(string[] args)
    {
        string root = RepoRoot();
        var batches = (BenchArguments.String(args, "--batches") ?? "1,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int samples = int.Parse(BenchArguments.String(args, "--samples") ?? "8", CultureInfo.InvariantCulture);
        var modes = (BenchArguments.String(args, "--modes") ?? "validate,calibrate").Split(',');
        var targets = new List<Target>();
        foreach (var name in (BenchArguments.String(args, "--models") ?? "det,rec,nhwc").Split(','))
        {
            var target = name switch
            {
                "det" => new Target("PP-OCRv4 det 640²", Path.Combine(root, ".cache/models/ch_PP-OCRv4_det_infer.onnx"), Path.Combine(root, ".cache/pages/det640/heldout")),
                "rec" => new Target("PP-OCRv4 rec 48×320", Path.Combine(root, ".cache/models/ch_PP-OCRv4_rec_infer.onnx"), Path.Combine(root, ".cache/pages/rec48/heldout")),
                "isnet" => new Target("ISNet fp16 1024²", Path.Combine(root, ".cache/models/isnet_fp16.onnx"), Path.Combine(root, ".cache/pages/isnet1024/heldout")),
                "nhwc" => Generated(samples),
                _ => throw new ArgumentException($"unknown model '{name}' (det, rec, isnet, nhwc)."),
            };
            if (!File.Exists(target.Model) || !Directory.Exists(target.Data))
            {
                Console.WriteLine($"{target.Name}: skipped, {target.Model} or {target.Data} is missing (eng/fetch-models.sh, eng/fetch-isnet.sh, eng/fetch-pages.sh).");
                continue;
            }
            targets.Add(target);
        }

        Console.WriteLine($"{samples} samples a run; ONNX Runtime defaults (threads: one per core); each row a fresh process.");
        Console.WriteLine("| model | run | batch | estimate | peak RSS (VmHWM) | estimate ÷ peak | seconds |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        double worst = 1;
        foreach (var target in targets)
            foreach (var mode in modes)
                foreach (int batch in batches)
                {
                    // A model whose input fixes the batch runs that batch whatever is asked.
                    if (FixedBatch(target.Model) is long fixedBatch && fixedBatch != batch)
                    {
                        Console.WriteLine($"| {target.Name} | {mode} | {batch} | | | the model fixes its batch at {fixedBatch} | |");
                        continue;
                    }
                    var (peak, estimate, seconds) = Child(mode, target.Model, target.Data, samples, batch);
                    double ratio = (double)estimate / peak;
                    worst = Math.Max(worst, Math.Max(ratio, 1 / ratio));
                    Console.WriteLine($"| {target.Name} | {mode} | {batch} | {estimate / (double)(1L << 20):0} MiB | {peak / (double)(1L << 20):0} MiB | {ratio:0.00} | {seconds:0.0} |");
                }
        Console.WriteLine($"worst ratio either way: {worst:0.00} (goal ≤ 1.3)");
        return worst <= 1.3 ? 0 : 1;
    }

    private static long? FixedBatch(string model) =>
        ModelLoader.Load(model).Graph.Inputs.Where(v => v.Initializer is null).Select(v => v.Shape is { Rank: > 0 } shape ? shape[0].Value : null).FirstOrDefault(d => d is not null);

    // The generated NHWC model and random samples for it, written once under .cache/generated/.
    private static Target Generated(int samples)
    {
        string folder = Path.Combine(RepoRoot(), ".cache/generated/nhwc512");
        string model = Path.Combine(folder, "nhwc_segmenter_512.onnx");
        string data = Path.Combine(folder, "samples");
        if (!File.Exists(model) || Directory.GetFiles(data).Length < samples)
        {
            Directory.CreateDirectory(data);
            ModelWriter.Save(NhwcSegmenter.Create(512), model);
            var random = new Random(1);
            for (int i = Directory.GetFiles(data).Length; i < samples; i++)
            {
                var values = new float[512 * 512 * 3];
                for (int k = 0; k < values.Length; k++) values[k] = random.NextSingle();
                NpyFile.Write(Path.Combine(data, $"{i:000}.npy"), [1, 512, 512, 3], values);
            }
        }
        return new Target("generated NHWC 512²", model, data);
    }

    /// <summary>Child side: one run in a fresh process, then "peakBytes estimateBytes seconds" on stdout.</summary>
    public static int RunChild(string[] args)
    {
        string mode = args[0], modelPath = args[1], data = args[2];
        int count = int.Parse(args[3], CultureInfo.InvariantCulture), batch = int.Parse(args[4], CultureInfo.InvariantCulture);
        const long unlimited = 1L << 50;
        long start = Stopwatch.GetTimestamp();
        var model = ModelLoader.Load(modelPath);
        long estimate;
        MemoryEstimate parts;
        if (mode == "validate")
        {
            using var samples = SampleSet.FromFolder(data, model, count);
            parts = ActivationMemory.Of(samples.SampleShapes(), arena: true, (model, []), (model, []));
            estimate = parts.For(batch);
            var unit = new ModelUnderTest(model, modelPath, new FileInfo(modelPath).Length, modelPath);
            var report = BudgetValidator.Validate(unit, unit, BudgetSet.None, new ValidationSettings
            {
                DataPath = data,
                SampleLimit = count,
                AlwaysCompare = true,
                MemoryCapBytes = unlimited,
                Comparison = new ComparisonSettings { BatchSize = batch, LatencyRuns = 0 },
            });
            if (report.Comparison?.Samples != count) throw new InvalidOperationException("the validation ran on fewer samples than asked");
        }
        else
        {
            using var samples = SampleSet.FromFolder(data, model, count);
            var source = new OrtActivationSource(samples, batchSize: batch, settings: OrtSessionSettings.Default, memoryCapBytes: unlimited);
            var probe = ModelCopy.Of(model);
            ShapeInference.Run(probe, ShapeBindings.Of(samples.SampleShapes().ToDictionary(kv => kv.Key, kv => (long[])[1, .. kv.Value])));
            var names = probe.Graph.AllNodes().Where(n => n.OpType != "Constant").SelectMany(n => n.Outputs)
                .Where(v => v is not null && v.ElementType == Engine.Onnx.TensorProto.Types.DataType.Float).Select(v => v!.Name).ToArray();
            int seen = 0;
            foreach (var values in source.Stream(model, names)) seen++;
            if (source.LastBatchSize != batch) throw new InvalidOperationException($"batch {source.LastBatchSize}, not {batch}");
            parts = source.LastEstimate;
            estimate = parts.For(batch);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        // The parts, for fitting the memory model's factors: fixed, live activations, handed back, outputs, input (per sample).
        var p = parts.PerSample;
        Console.Error.WriteLine($"parts: fixed {parts.FixedBytes >> 20} MiB; per sample: live {p.ActivationBytes >> 20} MiB, exposed {p.ExposedBytes >> 20} MiB, outputs {p.OutputBytes >> 20} MiB, input {p.InputBytes >> 20} MiB, unsized {p.Unsized}");
        Console.WriteLine($"{PeakRss()} {estimate} {seconds.ToString("0.###", CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmHWM (not Linux?)");
    }

    private static (long Peak, long Estimate, double Seconds) Child(string mode, string model, string data, int count, int batch)
    {
        string host = Environment.ProcessPath!;
        string[] args = [ChildCommand, mode, model, data, count.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture)];
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") args = [typeof(MemoryEstimateBenchmark).Assembly.Location, .. args];
        var start = new ProcessStartInfo(host, args) { RedirectStandardOutput = true, UseShellExecute = false };
        using var child = Process.Start(start)!;
        string text = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"child '{mode} batch {batch}' on {model} failed with exit code {child.ExitCode}");
        var parts = text.Trim().Split('\n')[^1].Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Build.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}
