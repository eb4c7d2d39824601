using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.TestSupport;

namespace ModelOpt.Bench;

/// <summary>
/// How much ModelOpt's load → walk → save costs over the floor, which is parsing and writing the
/// same file with bare Google.Protobuf. Both run alternately in one process on a warm page cache;
/// peak memory is measured in fresh child processes, one per measurement, so one run's heap cannot
/// hide in another's.
/// </summary>
internal static class IoBenchmark
{
    public const string ChildCommand = "_io-child";

    public static int Run(string[] args)
    {
        int sizeMb = BenchArguments.Int(args, "--size-mb", 300);
        int rounds = BenchArguments.Int(args, "--rounds", 5);
        string folder = Path.Combine(RepoPaths.Cache, "bench");
        string model = BigModelGenerator.Ensure(Path.Combine(folder, "big.onnx"), sizeMb);
        string outBare = Path.Combine(folder, "out-bare.onnx");
        string outModelOpt = Path.Combine(folder, "out-modelopt.onnx");
        long fileBytes = new FileInfo(model).Length;

        // Untimed warm-up: JIT, page cache.
        BareProtobuf(model, outBare);
        ModelOptLoadWalkSave(model, outModelOpt);

        var bare = new List<double>();
        var modelOpt = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            bare.Add(Time(() => BareProtobuf(model, outBare)));
            modelOpt.Add(Time(() => ModelOptLoadWalkSave(model, outModelOpt)));
            Console.WriteLine($"round {round + 1}: bare {bare[^1]:F3} s, ModelOpt {modelOpt[^1]:F3} s");
        }

        long idlePeak = ChildPeak("idle", model, outBare);
        long barePeak = ChildPeak("bare", model, outBare);
        long modelOptPeak = ChildPeak("modelopt", model, outModelOpt);
        File.Delete(outBare);
        File.Delete(outModelOpt);

        double bareMedian = Median(bare), modelOptMedian = Median(modelOpt);
        double timeRatio = modelOptMedian / bareMedian;
        double memoryRatio = (double)modelOptPeak / fileBytes;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"""
            Model: {Path.GetRelativePath(RepoPaths.Root, model)}, {fileBytes / 1e6:F1} MB; {rounds} rounds each, alternating, medians.

            | | median (s) | all rounds (s) | peak working set (MB) |
            |---|---:|---|---:|
            | (a) bare Google.Protobuf ParseFrom(FileStream) + WriteTo(FileStream) | {bareMedian:F3} | {string.Join(", ", bare.Select(s => s.ToString("F3", inv)))} | {barePeak / 1e6:F0} |
            | (b) ModelLoader.Load + walk nodes and initializer shapes + ModelWriter.Save | {modelOptMedian:F3} | {string.Join(", ", modelOpt.Select(s => s.ToString("F3", inv)))} | {modelOptPeak / 1e6:F0} |
            | idle child process (runtime baseline) | | | {idlePeak / 1e6:F0} |

            - time (b)/(a): **{timeRatio:F2}×** (goal ≤ 2×) — {(timeRatio <= 2 ? "met" : "MISSED")}
            - peak memory of (b) / file size: **{memoryRatio:F2}×** (goal ≤ 2×) — {(memoryRatio <= 2 ? "met" : "MISSED")}; (a) / file size: {(double)barePeak / fileBytes:F2}×
            """));
        return timeRatio <= 2 && memoryRatio <= 2 ? 0 : 1;
    }

    /// <summary>Child side: one operation in a fresh process, then its peak working set on stdout.</summary>
    public static int RunChild(string[] args)
    {
        string mode = args[0], model = args[1], output = args[2];
        switch (mode)
        {
            case "bare": BareProtobuf(model, output); break;
            case "modelopt": ModelOptLoadWalkSave(model, output); break;
            case "idle": break;
            default: throw new ArgumentException($"unknown mode {mode}");
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine(self.PeakWorkingSet64.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static void BareProtobuf(string path, string output)
    {
        ModelProto proto;
        using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            proto = ModelProto.Parser.ParseFrom(input);
        using var stream = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        proto.WriteTo(stream);
    }

    private static void ModelOptLoadWalkSave(string path, string output)
    {
        var model = ModelLoader.Load(path);
        long touched = 0;
        foreach (var node in model.Graph.AllNodes())
        {
            touched += node.OpType.Length;
            foreach (var input in node.Inputs) touched += input?.Name.Length ?? 0;
            foreach (var result in node.Outputs) touched += result?.Name.Length ?? 0;
        }
        foreach (var value in model.Graph.Initializers)
            touched += value.Initializer!.Dims.Aggregate(1L, (a, d) => a * d);
        if (touched == 0) throw new InvalidOperationException("the benchmark model is empty");
        ModelWriter.Save(model, output, new SaveOptions { ExternalData = ExternalDataMode.Never });
    }

    private static double Time(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static long ChildPeak(string mode, string model, string output)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [ChildCommand, mode, model, output])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(start)!;
        string text = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"child '{mode}' failed with exit code {child.ExitCode}");
        return long.Parse(text.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
