using ModelOpt.Engine.Numerics;
using ModelOpt.Validation.Comparison;
using System.Diagnostics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Bench;

/// <summary>
/// <c>quantize</c>: static int8 on the seed CNN (held-out accuracy), PP-OCRv4 det and a generated
/// ResNet-50 (speed-up under ORT, output cosine, file size, quantization time).
/// </summary>
internal static class QuantizeBenchmark
{
    private const int HeldOutPages = 12;

    public static int Run(string[] args)
    {
        string config = BenchArguments.String(args, "--config") ?? """{ "quantize": {} }""";
        int runs = BenchArguments.Int(args, "--runs", 15);
        int detSize = BenchArguments.Int(args, "--det-size", 640);
        string only = BenchArguments.String(args, "--only") ?? "seed,det,resnet50";
        Console.WriteLine($"config: {config}");
        if (only.Contains("seed")) Seed(config);
        if (only.Contains("det")) Det(config, detSize, runs, BenchArguments.Int(args, "--det-pages", 8));
        if (only.Contains("resnet50")) ResNet(config, runs);
        return 0;
    }

    private static void Seed(string config)
    {
        string path = Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), samples = Path.Combine(RepoPaths.Models, "seed-cnn.samples");
        var original = ModelLoader.Load(path);
        var model = ModelLoader.Load(path);
        using var calibration = SampleSet.FromFolder(samples, model, limit: 200);
        var (time, notes) = Quantize(model, config, new OrtActivationSource(calibration));
        float[] pixels = NpyFile.Read(Path.Combine(samples, "input.npy")).ToFloats();
        long[] labels = NpyFile.Read(Path.Combine(samples, "labels.npy")).ToInt64s();
        double a = Accuracy(original, pixels, labels), b = Accuracy(model, pixels, labels);
        Console.WriteLine($"seed-cnn: accuracy fp32 {a:P2} → int8 {b:P2} ({(b - a) * 100:+0.00;-0.00} points) on {labels.Length} held-out digits (calibrated on the first 200 of them); quantized in {time:0.0} s; size {SizeRatio(original, model):P1}");
        foreach (var n in notes) Console.WriteLine($"  {n}");
    }

    private static void Det(string config, int size, int runs, int pages)
    {
        string? path = RealModels.TryGetPath(RealModels.Detector, out string why);
        if (path is null)
        {
            Console.WriteLine($"det: skipped, {why}");
            return;
        }
        var original = ModelLoader.Load(path);
        var model = ModelLoader.Load(path);
        new PassPipeline([new FreezePass()]).Run(original, new PassContext(path));
        new PassPipeline([new FreezePass()]).Run(model, new PassContext(path));
        var shapes = new Dictionary<string, TensorShape> { [model.Graph.Inputs[0].Name] = TensorShape.Of([1, 3, size, size]) };
        // Pages, not noise: on uniform noise det sees no text (probabilities < 3e-6), which neither calibrates nor measures it.
        using var calibration = SampleSet.SyntheticDocuments(model, pages, seed: 1, shapes);
        var (time, notes) = Quantize(model, config, new OrtActivationSource(calibration, batchSize: 1));
        Report($"PP-OCRv4 det 1x3x{size}x{size} ({pages} synthetic pages for calibration, seed 1)", original, model, SyntheticDocuments.For(original, shapes, seed: 99), runs, time, notes);
        HeldOutCosines(original, model, shapes);
    }

    /// <summary>
    /// Cosine on <see cref="HeldOutPages"/> pages drawn with other seeds than calibration's: one page's
    /// cosine moves by ±0.005 with the calibration set alone, too much to judge a setting by.
    /// </summary>
    private static void HeldOutCosines(Model original, Model quantized, IReadOnlyDictionary<string, TensorShape> shapes)
    {
        using var a = OrtModelRunner.FromModel(original);
        using var b = OrtModelRunner.FromModel(quantized);
        var cosines = Enumerable.Range(0, HeldOutPages).Select(i =>
        {
            var page = SyntheticDocuments.For(original, shapes, seed: 1000 + i);
            return CosineSimilarity.Of(a.Run(page)[0].ToFloats(), b.Run(page)[0].ToFloats());
        }).ToArray();
        Console.WriteLine($"  held-out pages (seeds 1000–{1000 + HeldOutPages - 1}): cosine mean {cosines.Average():0.0000}, worst {cosines.Min():0.0000} [{string.Join(" ", cosines.Select(c => c.ToString("0.0000")))}]");
    }

    private static void ResNet(string config, int runs)
    {
        var original = ResNet50.Create();
        Fold(original);
        var model = ResNet50.Create();
        Fold(model);
        using var calibration = SampleSet.Synthetic(model, 100, seed: 1);
        var (time, notes) = Quantize(model, config, new OrtActivationSource(calibration));
        Report("ResNet-50 (generated, random weights, 100 synthetic calibration samples)", original, model, SyntheticInputs.For(original, seed: 99), runs, time, notes);
    }

    private static void Fold(Model model)
    {
        // The generator draws running variances from [−0.5, 0.5]; a negative variance makes BN (and the folded conv) NaN.
        foreach (var bn in model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var variance = bn.Input(4)!;
            var positive = variance.Initializer!.ToFloats().Select(v => Math.Abs(v) + 0.5f).ToArray();
            bn.SetInput(4, model.Graph.AddInitializer(Tensor.FromFloats(variance.Name + "_positive", variance.Initializer.Dims, positive)));
        }
        new PassPipeline([new FreezePass()]).Run(model, new PassContext("resnet50"));
    }

    private static (double Seconds, IReadOnlyList<string> Notes) Quantize(Model model, string config, OrtActivationSource source)
    {
        var clock = Stopwatch.StartNew();
        var report = new PassPipeline([new QuantizePass()]).Run(model, new PassContext("bench") { Config = OptimizeConfig.Parse(config), Calibration = source }).Single();
        return (clock.Elapsed.TotalSeconds, report.Notes.Where(n => !n.Contains("kept float")).ToList());
    }

    private static void Report(string name, Model original, Model quantized, IReadOnlyList<TensorData> inputs, int runs, double time, IReadOnlyList<string> notes)
    {
        var speed = QuantizationSpeedCheck.Measure(original, quantized, inputs, runs);
        using var a = OrtModelRunner.FromModel(original);
        using var b = OrtModelRunner.FromModel(quantized);
        var reference = a.Run(inputs)[0].ToFloats();
        double cosine = CosineSimilarity.Of(reference, b.Run(inputs)[0].ToFloats());
        if (!reference.All(float.IsFinite)) Console.WriteLine($"{name}: the fp32 model's own output is not finite (max |y| {reference.Max(Math.Abs)}): its random weights overflow");
        Console.WriteLine($"{name}: {speed}; output cosine {cosine:0.0000}; size {SizeRatio(original, quantized):P1}; quantized in {time:0.0} s");
        foreach (var n in notes) Console.WriteLine($"  {n}");
    }

    private static double SizeRatio(Model original, Model quantized) =>
        (double)ModelWriter.ToProto(quantized).CalculateSize() / ModelWriter.ToProto(original).CalculateSize();

    private static double Accuracy(Model model, float[] pixels, long[] labels)
    {
        using var runner = OrtModelRunner.FromModel(model);
        int correct = 0, batch = 250;
        for (int start = 0; start < labels.Length; start += batch)
        {
            var input = TensorData.FromFloats(model.Graph.Inputs[0].Name, [batch, 1, 28, 28], pixels.AsSpan(start * 784, batch * 784).ToArray());
            var predicted = ClassificationAccuracy.Top1(runner.Run([input])[0]);
            for (int i = 0; i < batch; i++) if (predicted[i] == labels[start + i]) correct++;
        }
        return (double)correct / labels.Length;
    }

}
