using System.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// Validation harness overhead on PP-OCRv4 det: comparing two sessions of the model over N synthetic
/// samples (streamed, with per-output error and agreement) against a bare loop that only runs the
/// same inputs, already in memory, through both sessions. Goal (budgets issue): overhead under 10%.
/// </summary>
internal static class ValidateBenchmark
{
    public static int Run(string[] args)
    {
        int samples = BenchArguments.Int(args, "--samples", 200);
        int side = BenchArguments.Int(args, "--side", 320);
        string path = RealModels.TryGetPath(RealModels.Detector, out string reason) ?? throw new InvalidOperationException($"{RealModels.Detector} unavailable: {reason}");
        var model = ModelLoader.Load(path);
        var shapes = new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, side, side) };
        using var a = OrtModelRunner.FromFile(path);
        using var b = OrtModelRunner.FromFile(path);

        // Warm both sessions so neither measurement pays for the first run.
        var warm = SyntheticInputs.For(model, shapes, 0);
        for (int i = 0; i < 3; i++) { a.Run(warm); b.Run(warm); }

        using var set = SampleSet.Synthetic(model, samples, seed: 1, shapes);
        var result = ModelComparer.Compare(a, b, set, null, new ComparisonSettings { BatchSize = 1, LatencyRuns = 0 });

        using var again = SampleSet.Synthetic(model, samples, seed: 1, shapes);
        var inputs = again.Batches(1).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var batch in inputs)
        {
            a.Run(batch);
            b.Run(batch);
        }
        double bare = clock.Elapsed.TotalSeconds;

        Console.WriteLine($"validate PP-OCRv4 det, x=1x3x{side}x{side}, {samples} synthetic samples, two sessions, 1 intra-op thread");
        Console.WriteLine();
        Console.WriteLine("| measurement | seconds |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| bare loop: both sessions on inputs already in memory | {bare:0.###} |");
        Console.WriteLine($"| validation harness: stream samples, run both, error/agreement | {result.TotalSeconds:0.###} |");
        Console.WriteLine($"| of which inside OrtModelRunner.Run | {result.RuntimeSeconds:0.###} |");
        Console.WriteLine();
        Console.WriteLine($"overhead beyond the bare loop: {100 * (result.TotalSeconds - bare) / bare:0.#}%; beyond the harness's own run time: {100 * (result.TotalSeconds - result.RuntimeSeconds) / result.RuntimeSeconds:0.#}% (cosine {result.MinCosine:0.######}, agreement {result.Agreement:0.####})");
        return 0;
    }
}
