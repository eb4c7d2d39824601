using System.Diagnostics;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation;

namespace ModelOpt.Bench;

/// <summary>
/// <c>prune</c>: times separable + prune on a generated ResNet-50 (or MobileNetV2) and reports MACs and ONNX Runtime
/// median latency before and after, all in one process.
/// </summary>
internal static class PruneBenchmark
{
    public static int Run(string[] args)
    {
        double ratio = BenchArguments.Int(args, "--ratio-percent", 50) / 100.0;
        int runs = BenchArguments.Int(args, "--runs", 20);
        string passes = BenchArguments.String(args, "--passes") ?? "separable,prune";

        var clock = Stopwatch.StartNew();
        string network = BenchArguments.String(args, "--network") ?? "resnet50";
        var model = network switch
        {
            "resnet50" => ResNet50.Create(),
            "mobilenetv2" => MobileNetV2.Create(),
            _ => throw new ArgumentException("--network must be resnet50 or mobilenetv2."),
        };
        Console.WriteLine($"generated {network} in {clock.Elapsed.TotalSeconds:0.0} s");
        var inputs = SyntheticInputs.For(model, seed: 1);
        long macsBefore = Macs(model);
        var latencyBefore = Latency(model, inputs, runs);

        var config = OptimizeConfig.Parse($$"""{ "prune": { "ratio": {{ratio}}, "roundTo": 8 } }""");
        var pipeline = new PassPipeline(PassRegistry.Default.Parse(passes));
        clock.Restart();
        var reports = pipeline.Run(model, new PassContext(network) { Config = config });
        var passTime = clock.Elapsed;

        long macsAfter = Macs(model);
        var latencyAfter = Latency(model, inputs, runs);

        Console.WriteLine($"passes: {passes}; prune ratio {ratio:0.##}, roundTo 8");
        foreach (var r in reports)
            Console.WriteLine($"  {r.Pass,-10} {r.Duration.TotalSeconds,6:0.00} s  nodes touched {r.NodesTouched}, parameters {r.Before.Parameters:N0} → {r.After.Parameters:N0}");
        Console.WriteLine($"all passes: {passTime.TotalSeconds:0.00} s (goal < 30 s)");
        Console.WriteLine($"MACs: {macsBefore:N0} → {macsAfter:N0} ({1 - (double)macsAfter / macsBefore:P1} fewer)");
        Console.WriteLine($"ONNX Runtime median latency ({runs} runs): {latencyBefore.MedianSeconds * 1e3:0.0} ms → {latencyAfter.MedianSeconds * 1e3:0.0} ms " +
            $"({latencyBefore.MedianSeconds / latencyAfter.MedianSeconds:0.00}×); p90 {latencyBefore.P90Seconds * 1e3:0.0} → {latencyAfter.P90Seconds * 1e3:0.0} ms");
        return 0;
    }

    private static long Macs(Model model) => ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9 }).Totals.Macs;

    private static LatencyResult Latency(Model model, IReadOnlyList<TensorData> inputs, int runs)
    {
        using var runner = OrtModelRunner.FromModel(model);
        return LatencyMeter.Measure(() => runner.Run(inputs), warmupRuns: 3, runs: runs);
    }
}
