using System.Globalization;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// <c>memory-breakdown</c>: where one calibration sample's memory goes, stage by stage, with every
/// node output exposed (the worst case): the loaded model, the serialized copy ONNX Runtime is
/// given, the session, the run alone (values read for their shapes only, so nothing is copied),
/// then the run with every value copied to managed memory. Resident memory (VmRSS) after each
/// stage and the peak (VmHWM, reset before each run through /proc/self/clear_refs) during it.
/// </summary>
internal static class CalibrationMemoryBreakdown
{
    public static int Run(string[] args)
    {
        string root = RepoRoot();
        string which = BenchArguments.String(args, "--model") ?? "isnet";
        bool widen = args.Contains("--fp32");
        var (modelPath, data) = which switch
        {
            "isnet" => (Path.Combine(root, ".cache/models/isnet_fp16.onnx"), Path.Combine(root, ".cache/pages/isnet1024/calibration")),
            "det" => (Path.Combine(root, ".cache/models/ch_PP-OCRv4_det_infer.onnx"), Path.Combine(root, ".cache/pages/det640/calibration")),
            _ => throw new ArgumentException($"unknown model '{which}' (det, isnet)."),
        };
        Stage("process started");
        var model = ModelLoader.Load(modelPath);
        using var samples = SampleSet.FromFolder(data, model, 1);
        var shapes = samples.SampleShapes();
        var bindings = ShapeBindings.Of(shapes.ToDictionary(kv => kv.Key, kv => (long[])[1, .. kv.Value]));
        if (widen)
        {
            var context = new PassContext(modelPath) { Config = OptimizeConfig.Parse("{}"), ConstantEvaluator = new OrtConstantEvaluator(), Bindings = bindings };
            new PassPipeline(PassRegistry.Default.Parse("freeze,fp32"), null).Run(model, context);
        }
        ShapeInference.Run(model, bindings);
        Stage($"model loaded{(widen ? " and widened to float32" : "")}");

        var names = model.Graph.AllNodes().Where(n => n.OpType != "Constant").SelectMany(n => n.Outputs).Where(v => v is not null).Select(v => v!.Name).ToArray();
        var estimate = ActivationMemory.PerSample(model, shapes, names);
        Console.WriteLine($"estimate per sample: {estimate.ActivationBytes >> 20} MiB activations, {estimate.ExposedBytes >> 20} MiB handed back, {estimate.InputBytes >> 20} MiB input");
        var bytes = ExposedValues.ModelBytes(model, names);
        Stage($"serialized with {names.Length} values exposed ({bytes.Length >> 20} MiB)");
        using var runner = OrtModelRunner.FromBytes(bytes, modelPath, OrtSessionSettings.Default with { MemoryArena = false });
        bytes = null!;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Stage("session open (arena off), serialized copy collected");

        var batch = samples.Batches(1).First();
        var wanted = runner.Outputs.Select(o => o.Name).ToArray();
        for (int round = 1; round <= 2; round++)
        {
            ResetPeak();
            runner.RunForShapes(batch, wanted);
            Stage($"run {round}, values read for shapes only");
        }
        ResetPeak();
        var copied = runner.Run(batch, wanted);
        Stage($"run 3, {copied.Count} values copied to managed memory ({copied.Sum(c => (long)c.Bytes.Length) >> 20} MiB)");
        copied = null!;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Stage("copies collected");
        return 0;
    }

    private static void Stage(string what)
    {
        var status = File.ReadLines("/proc/self/status").ToDictionary(l => l.Split(':')[0], l => l.Split(':')[1].Trim());
        Console.WriteLine($"{what}: RSS {Kib(status["VmRSS"])} MiB, peak {Kib(status["VmHWM"])} MiB");
    }

    private static long Kib(string field) => long.Parse(field.Split(' ')[0], CultureInfo.InvariantCulture) / 1024;

    // Writing 5 to clear_refs resets the peak resident size to the current one (Linux).
    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Build.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}
