using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// <c>memory</c>: peak memory (VmHWM) of calibration with 4, 16 and 64 real samples, each run in a
/// fresh child process. Two kinds of run: <c>all</c> streams every node output of the model (the
/// worst case, what a sensitivity profile or a full calibration asks for), <c>quantize</c> runs
/// the product's <c>freeze,quantize</c> passes. Samples come from eng/fetch-pages.sh
/// (det640: PP-OCRv4 det at 640²; isnet1024: ISNet at 1024²).
/// </summary>
internal static class CalibrationMemoryBenchmark
{
    public const string ChildCommand = "_memory-child";

    private sealed record Target(string Name, string Model, string Data);

    public static int Run(string[] args)
    {
        string root = RepoRoot();
        var counts = (BenchArguments.String(args, "--samples") ?? "4,16,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        string cap = BenchArguments.String(args, "--cap") ?? "2GiB";
        var modes = (BenchArguments.String(args, "--modes") ?? "all,quantize").Split(',');
        var targets = new List<Target>();
        foreach (var name in (BenchArguments.String(args, "--models") ?? "det,isnet").Split(','))
        {
            var target = name switch
            {
                "det" => new Target("PP-OCRv4 det 640²", Path.Combine(root, ".cache/models/ch_PP-OCRv4_det_infer.onnx"), Path.Combine(root, ".cache/pages/det640/calibration")),
                "isnet" => new Target("ISNet fp16 1024²", Path.Combine(root, ".cache/models/isnet_fp16.onnx"), Path.Combine(root, ".cache/pages/isnet1024/calibration")),
                _ => throw new ArgumentException($"unknown model '{name}' (det, isnet)."),
            };
            if (!File.Exists(target.Model) || !Directory.Exists(target.Data))
            {
                Console.WriteLine($"{target.Name}: skipped, {target.Model} or {target.Data} is missing (eng/fetch-models.sh, eng/fetch-pages.sh {(name == "det" ? "det640" : "isnet1024")}).");
                continue;
            }
            targets.Add(target);
        }

        Console.WriteLine($"memory cap {cap}; ONNX Runtime defaults (threads: one per core); each row a fresh process.");
        Console.WriteLine("| model | run | samples | batch | estimate per batch | peak RSS (VmHWM) | seconds |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        bool met = true;
        foreach (var target in targets)
        {
            foreach (var mode in modes)
            {
                var peaks = new List<long>();
                foreach (int n in counts)
                {
                    var (batch, peak, seconds, estimate) = Child(mode, target.Model, target.Data, n, cap);
                    peaks.Add(peak);
                    Console.WriteLine($"| {target.Name} | {mode} | {n} | {batch} | {estimate / (double)(1L << 20):0} MiB | {peak / (double)(1L << 20):0} MiB | {seconds:0.0} |");
                }
                double ratio = (double)peaks[^1] / peaks[0];
                met &= ratio <= 1.5;
                Console.WriteLine($"| {target.Name} | {mode} | {counts[^1]} vs {counts[0]} | | | **{ratio:0.00}×** (goal ≤ 1.5×) | |");
            }
        }
        return met ? 0 : 1;
    }

    /// <summary>Child side: one calibration in a fresh process, then "batch peakBytes seconds" on stdout.</summary>
    public static int RunChild(string[] args)
    {
        string mode = args[0], modelPath = args[1], data = args[2];
        int count = int.Parse(args[3], CultureInfo.InvariantCulture);
        long cap = RuntimeConfig.ParseMemoryCap(args[4], "--cap", Engine.Diagnostics.ErrorCode.InvalidArgument, null);
        long start = Stopwatch.GetTimestamp();
        var model = ModelLoader.Load(modelPath);
        using var samples = SampleSet.FromFolder(data, model, count);
        var source = new OrtActivationSource(samples, batchSize: 64, settings: OrtSessionSettings.Default, memoryCapBytes: cap);
        var bindings = ShapeBindings.Of(samples.SampleShapes().ToDictionary(kv => kv.Key, kv => (long[])[1, .. kv.Value]));
        if (mode == "all")
        {
            ShapeInference.Run(model, bindings);
            var names = model.Graph.AllNodes().Where(n => n.OpType != "Constant").SelectMany(n => n.Outputs).Where(v => v is not null).Select(v => v!.Name).ToArray();
            var ranges = ActivationCalibrator.Ranges(model, names, source, new QuantizeSettings());
            if (ranges.Count == 0 && !names.Any()) throw new InvalidOperationException("nothing calibrated");
        }
        else
        {
            var passes = PassRegistry.Default.Parse("freeze,quantize");
            var context = new PassContext(modelPath) { Config = OptimizeConfig.Parse("""{ "quantize": { "allowSlower": true } }"""), Calibration = source, ConstantEvaluator = new OrtConstantEvaluator(), Bindings = bindings };
            ShapeInference.Run(model, bindings, new RuntimeShapeProvider());
            // What the passes did goes to stderr: a calibration that quantized nothing measures nothing.
            foreach (var report in new PassPipeline(passes, null).Run(model, context))
                Console.Error.WriteLine($"{report.Pass}: {report.NodesTouched} nodes, {report.Duration.TotalSeconds:0.0} s; {string.Join("; ", report.Notes)}");
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var estimate = source.LastEstimate.PerSample;
        Console.Error.WriteLine($"estimate per sample: {estimate.ActivationBytes >> 20} MiB activations at their peak, {estimate.ExposedBytes >> 20} MiB handed back, {estimate.InputBytes >> 20} MiB input, {estimate.Unsized} unsized; total {estimate.Total >> 20} MiB");
        Console.WriteLine($"{source.LastBatchSize} {PeakRss()} {seconds.ToString("0.###", CultureInfo.InvariantCulture)} {source.LastEstimate.For(source.LastBatchSize)}");
        return 0;
    }

    // The kernel's high-water mark of resident memory: native (ONNX Runtime's arena) and managed alike.
    private static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmHWM (not Linux?)");
    }

    private static (int Batch, long Peak, double Seconds, long Estimate) Child(string mode, string model, string data, int count, string cap)
    {
        // Under `dotnet ModelOpt.Bench.dll` the process is the host, which needs the assembly named again.
        string host = Environment.ProcessPath!;
        string[] args = [ChildCommand, mode, model, data, count.ToString(CultureInfo.InvariantCulture), cap];
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") args = [typeof(CalibrationMemoryBenchmark).Assembly.Location, .. args];
        var start = new ProcessStartInfo(host, args)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(start)!;
        string text = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"child '{mode} {count}' failed with exit code {child.ExitCode}");
        var parts = text.Trim().Split('\n')[^1].Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Build.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}
