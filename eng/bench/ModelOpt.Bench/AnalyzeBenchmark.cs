using System.Diagnostics;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;

namespace ModelOpt.Bench;

/// <summary>
/// Engine time of <c>analyze</c> on the PP-OCR models: load, shape inference and cost model, no
/// ONNX Runtime. Goal (foundation issue): PP-OCRv4 rec under 1 s.
/// </summary>
internal static class AnalyzeBenchmark
{
    public static int Run(string[] args)
    {
        int rounds = BenchArguments.Int(args, "--rounds", 9);
        var cases = new[]
        {
            (RealModels.Detector, "x=1x3x640x640"),
            (RealModels.Recognizer, "x=1x3x48x320"),
            (RealModels.Classifier, "x=1x3x48x192"),
        };
        Console.WriteLine($"analyze engine time, {rounds} rounds each (first round includes JIT and is reported apart), medians");
        Console.WriteLine();
        Console.WriteLine("| model | size (MB) | nodes | first round (ms) | median load (ms) | median analyze (ms) | median total (ms) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (file, shape) in cases)
        {
            string path = RealModels.TryGetPath(file, out string reason) ?? throw new InvalidOperationException($"{file} unavailable: {reason}");
            var bindings = ShapeBindings.Parse([shape]);
            var load = new List<double>();
            var analyze = new List<double>();
            double first = 0;
            int nodes = 0;
            for (int r = 0; r < rounds + 1; r++)
            {
                var clock = Stopwatch.StartNew();
                var model = ModelLoader.Load(path);
                double loaded = clock.Elapsed.TotalMilliseconds;
                var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { Bindings = bindings, DeviceFlops = 1e10 });
                double total = clock.Elapsed.TotalMilliseconds;
                nodes = report.Nodes.Count;
                if (report.Shapes.Unknown > 0) throw new InvalidOperationException($"{file}: {report.Shapes.Unknown} shapes unresolved");
                if (r == 0)
                {
                    first = total;
                    continue;
                }
                load.Add(loaded);
                analyze.Add(total - loaded);
            }
            double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
            var totals = load.Zip(analyze, (a, b) => a + b).ToList();
            Console.WriteLine($"| {file} ({shape}) | {new FileInfo(path).Length / 1e6:0.0} | {nodes} | {first:0.0} | {Median(load):0.0} | {Median(analyze):0.0} | {Median(totals):0.0} |");
        }
        return 0;
    }
}
