using System.Diagnostics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;

namespace ModelOpt.Bench;

/// <summary>
/// <c>refit</c>: accuracy of the seed CNN on its held-out digits after lossy rewrites, without and
/// with the refit pass, calibrated on the first N samples and measured on all of them and on the
/// ones calibration did not see.
/// </summary>
internal static class RefitBenchmark
{
    public static int Run(string[] args)
    {
        int calibrationCount = BenchArguments.Int(args, "--calibration", 500);
        string modelPath = Path.Combine(RepoPaths.Models, "seed-cnn.onnx");
        string folder = SampleSet.FindBeside(modelPath)!;
        var original = ModelLoader.Load(modelPath);
        var labels = LabelFile.Read(LabelFile.FindIn(folder)!);
        using var all = SampleSet.FromFolder(folder, original);
        using var calibration = SampleSet.FromFolder(folder, original, limit: calibrationCount);
        Console.WriteLine($"Model: testassets/models/seed-cnn.onnx; {all.Count} labelled held-out digits; calibration: the first {calibration.Count}.");
        Console.WriteLine();
        Console.WriteLine($"| model | accuracy, all {all.Count} | accuracy, {all.Count - calibration.Count} not used for calibration | passes (s) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("original", original, all, labels, calibration.Count, null);

        foreach (var (label, config) in new[]
        {
            ("separable, rank 1", """{ "separable": { "rank": 1 } }"""),
            ("separable, energy 0.8", """{ "separable": { "energy": 0.8 } }"""),
        })
        {
            var plain = ModelLoader.Load(modelPath);
            Optimize(plain, "separable", config, calibration, null);
            Row(label, plain, all, labels, calibration.Count, null);
            var refit = ModelLoader.Load(modelPath);
            var clock = Stopwatch.StartNew();
            Optimize(refit, "separable,refit", config, calibration, null);
            Row(label + " + refit", refit, all, labels, calibration.Count, clock.Elapsed);
        }

        foreach (double fraction in new[] { 0.7, 0.9 })
        {
            var pruned = ModelLoader.Load(modelPath);
            ZeroSmallest(pruned, "fc1.weight", fraction);
            string label = $"fc1: smallest {fraction:P0} of weights zeroed";
            Row(label, pruned, all, labels, calibration.Count, null);
            var clock = Stopwatch.StartNew();
            Optimize(pruned, "refit", "{}", calibration, ModelLoader.Load(modelPath));
            Row(label + " + refit (fc2 fitted to the logits)", pruned, all, labels, calibration.Count, clock.Elapsed);
        }
        return 0;
    }

    private static void Optimize(Model model, string passes, string config, SampleSet calibration, Model? teacher)
    {
        var context = new PassContext("seed-cnn.onnx")
        {
            Config = OptimizeConfig.Parse(config),
            Calibration = new OrtActivationSource(calibration, batchSize: 100),
            Teacher = teacher,
        };
        foreach (var report in new PassPipeline(PassRegistry.Default.Parse(passes)).Run(model, context))
            foreach (var note in report.Notes)
                Console.Error.WriteLine($"  {report.Pass}: {note}");
    }

    private static void Row(string label, Model model, SampleSet all, long[] labels, int calibrationCount, TimeSpan? passTime)
    {
        var hits = ClassificationAccuracy.Top1Hits(model, all, labels);
        Console.WriteLine($"| {label} | {ClassificationAccuracy.Rate(hits):P2} | {ClassificationAccuracy.Rate(hits, calibrationCount):P2} | {(passTime is { } t ? t.TotalSeconds.ToString("0.00") : "")} |");
    }

    /// <summary>Unstructured magnitude pruning of one weight (what a prune pass does to it).</summary>
    private static void ZeroSmallest(Model model, string weight, double fraction)
    {
        var value = model.Graph.FindValue(weight)!;
        var w = value.Initializer!.ToFloats();
        float threshold = w.Select(Math.Abs).Order().ElementAt((int)(w.Length * fraction));
        for (int i = 0; i < w.Length; i++) if (Math.Abs(w[i]) < threshold) w[i] = 0;
        var reader = value.Uses.Single();
        reader.Node.SetInput(reader.InputIndex, model.Graph.AddInitializer(Tensor.FromFloats(weight + ".pruned", value.Initializer.Dims, w)));
    }
}
