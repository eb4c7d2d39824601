using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation;

namespace ModelOpt.Bench;

/// <summary>
/// <c>passes</c>: FLOPs and ONNX Runtime latency after each pass of a pipeline, on PP-OCRv4 det or
/// generated ResNet-50, all in one process; the latencies of every step are timed interleaved
/// (step 0, 1, 2, …, 0, 1, 2, …) so they compare fairly. A step that cuts FLOPs but not time is flagged.
/// </summary>
internal static class PassStepsBenchmark
{
    public static int Run(string[] args)
    {
        string network = BenchArguments.String(args, "--network") ?? "det";
        string passes = BenchArguments.String(args, "--passes") ?? "freeze,separable,prune";
        int rounds = BenchArguments.Int(args, "--runs", 15);
        int side = BenchArguments.Int(args, "--side", 640);
        double ratio = BenchArguments.Int(args, "--ratio-percent", 50) / 100.0;

        var (model, bindings) = network switch
        {
            "det" => (ModelLoader.Load(RealModels.TryGetPath(RealModels.Detector, out string reason) ?? throw new InvalidOperationException(reason)),
                      ShapeBindings.Parse([$"x=1x3x{side}x{side}"])),
            "resnet50" => (ResNet50.Create(), ShapeBindings.None),
            _ => throw new ArgumentException("--network must be det or resnet50."),
        };
        ShapeInference.Run(model, bindings);
        var config = OptimizeConfig.Parse($$"""{ "prune": { "ratio": {{ratio}}, "roundTo": 8 } }""");
        var context = new PassContext(network) { Config = config, ConstantEvaluator = new OrtConstantEvaluator() };

        var steps = new List<(string Name, Model Model, long? Flops, double Seconds)> { ("original", ModelCopy.Of(model), Flops(model, bindings), 0) };
        foreach (var pass in PassRegistry.Default.Parse(passes))
        {
            var report = new PassPipeline([pass]).Run(model, context).Single();
            ShapeInference.Run(model, bindings);
            steps.Add((pass.Name, ModelCopy.Of(model), Flops(model, bindings), report.Duration.TotalSeconds));
        }

        var shapes = bindings.Shapes.ToDictionary(kv => kv.Key, kv => TensorShape.Of(kv.Value));
        var inputs = SyntheticInputs.For(steps[0].Model, shapes, seed: 1);
        var runners = steps.Select(s => OrtModelRunner.FromModel(s.Model)).ToList();
        var times = steps.Select(_ => new List<double>()).ToList();
        for (int r = -2; r < rounds; r++)
            for (int i = 0; i < runners.Count; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                runners[i].Run(inputs);
                if (r >= 0) times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        foreach (var runner in runners) runner.Dispose();

        Console.WriteLine($"{network}, passes {passes} (prune ratio {ratio:0.##}, roundTo 8), {rounds} interleaved rounds after 2 warm-up rounds, medians");
        Console.WriteLine();
        Console.WriteLine("| after | pass time (s) | FLOPs | vs previous | ORT median (ms) | vs previous | flag |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        for (int i = 0; i < steps.Count; i++)
        {
            double median = times[i].Order().ElementAt(times[i].Count / 2);
            string flopRatio = "", timeRatio = "", flag = "";
            if (i > 0)
            {
                double previous = times[i - 1].Order().ElementAt(times[i - 1].Count / 2);
                double speed = previous / median;
                timeRatio = $"{speed:0.00}×";
                if (steps[i - 1].Flops is long a && steps[i].Flops is long b && b > 0)
                {
                    double reduction = (double)a / b;
                    flopRatio = $"{reduction:0.00}× fewer";
                    if (reduction >= 1.1 && speed < 1 + (reduction - 1) / 4) flag = "FLOPs cut, latency not";
                }
            }
            Console.WriteLine($"| {steps[i].Name} | {(i == 0 ? "" : steps[i].Seconds.ToString("0.00"))} | {steps[i].Flops:N0} | {flopRatio} | {median:0.0} | {timeRatio} | {flag} |");
        }
        return 0;
    }

    private static long? Flops(Model model, ShapeBindings bindings)
    {
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { Bindings = bindings, DeviceFlops = 1e9 });
        return report.UnknownOps.Count == 0 ? report.Totals.Flops : null;
    }
}
