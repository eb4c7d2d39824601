using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer;

namespace ModelOpt.Bench;

/// <summary>
/// <c>trial-time</c>: where the time of one search "validation" goes, step by step, against the
/// bare cost of running both models on the same samples. A trial builds its candidate
/// (<see cref="CandidateBuilder"/>: the passes, quantize's calibration among them) and then
/// validates it (<see cref="BudgetGate"/>): the first trial of a run also chooses the calibration
/// rule (<c>"calibration": "auto"</c>), later ones reuse it; an output probe also times both models.
/// </summary>
internal static class TrialTimeBenchmark
{
    public static int Run(string[] args)
    {
        string model = BenchArguments.String(args, "--model") ?? throw new ArgumentException("--model PATH");
        string data = BenchArguments.String(args, "--data") ?? throw new ArgumentException("--data DIR");
        int calibrationCount = int.Parse(BenchArguments.String(args, "--calibration") ?? "3", CultureInfo.InvariantCulture);
        int judged = int.Parse(BenchArguments.String(args, "--samples") ?? "3", CultureInfo.InvariantCulture);
        var loaded = ModelLoader.Load(model);
        using var calibrationSamples = SampleSet.FromFolder(data, loaded, calibrationCount);
        var source = new OrtActivationSource(calibrationSamples);
        var config = OptimizeConfig.Parse("""{ "quantize": { "allowSlower": true } }""");
        var passes = PassRegistry.Default.Parse("quantize");
        var budgets = BudgetSet.FromText([KeyValuePair.Create("MinCosine", "0.98")]);
        var validation = new ValidationSettings { DataPath = data, SampleLimit = judged, AlwaysCompare = true, Comparison = new ComparisonSettings { LatencyRuns = 0 } };

        double Time(Action step)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Candidate? candidate = null;
        double bare = Time(() =>
        {
            using var a = OrtModelRunner.FromFile(model);
            using var b = OrtModelRunner.FromFile(model);
            using var samples = SampleSet.FromFolder(data, loaded, judged);
            foreach (var batch in samples.Batches(1))
            {
                a.Run(batch);
                b.Run(batch);
            }
        });
        Console.WriteLine($"bare: open two sessions, run both on {judged} samples: {bare:0.0} s");
        Console.WriteLine($"first build (calibration rule chosen on {calibrationCount} samples): {Time(() => candidate = CandidateBuilder.Build(model, config, passes, ShapeBindings.None, source)):0.0} s");
        Console.WriteLine($"validation, no latency: {Time(() => BudgetGate.Check(model, candidate!, budgets, validation)):0.0} s");
        Console.WriteLine($"second build (rule and statistics reused): {Time(() => candidate = CandidateBuilder.Build(model, config, passes, ShapeBindings.None, source)):0.0} s");
        var probe = validation with { Comparison = validation.Comparison with { LatencyRuns = 7, WarmupRuns = 1 } };
        Console.WriteLine($"validation with an output probe's 7+1 timed runs of each: {Time(() => BudgetGate.Check(model, candidate!, budgets, probe)):0.0} s");
        return 0;
    }
}
