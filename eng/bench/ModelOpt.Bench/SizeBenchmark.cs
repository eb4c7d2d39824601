using ModelOpt.Engine.Numerics;
using ModelOpt.Validation.Comparison;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation;

namespace ModelOpt.Bench;

/// <summary>
/// <c>size</c>: file size, fidelity and ONNX Runtime latency of the fp16 and share-weights (8-bit)
/// passes on the seed CNN and the PP-OCR models, each variant timed in the same process.
/// </summary>
internal static class SizeBenchmark
{
    private sealed record Variant(string Name, string Passes, string Config);

    private static readonly Variant[] Variants =
    [
        new("fp32", "none", "{}"),
        new("fp16", "fp16", "{}"),
        new("share-weights 8-bit", "share-weights", """{ "shareWeights": { "bits": 8 } }"""),
    ];

    public static int Run(string[] args)
    {
        int runs = BenchArguments.Int(args, "--runs", 20);
        string folder = Path.Combine(RepoPaths.Cache, "bench", "size");
        Directory.CreateDirectory(folder);
        Console.WriteLine($"ONNX Runtime CPU, 1 intra-op thread; latency: median of {runs} runs after 3 warm-up runs.");
        Console.WriteLine();
        Console.WriteLine("| model | variant | size (bytes) | ratio | cosine vs fp32 | seed accuracy | median latency (ms) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");

        var models = new List<(string Name, string Path, IReadOnlyList<TensorData> Inputs, long[]? Labels)>();
        string samples = Path.Combine(RepoPaths.Models, "seed-cnn.samples");
        var digits = NpyFile.Read(Path.Combine(samples, "input.npy"));
        models.Add(("seed-cnn", Path.Combine(RepoPaths.Models, "seed-cnn.onnx"),
            [TensorData.FromFloats("input", digits.Shape, digits.ToFloats())], NpyFile.Read(Path.Combine(samples, "labels.npy")).ToInt64s()));
        foreach (var (file, shape) in new[] { (RealModels.Detector, new long[] { 1, 3, 640, 640 }), (RealModels.Recognizer, [1, 3, 48, 320]), (RealModels.Classifier, [1, 3, 48, 192]) })
        {
            string? path = RealModels.TryGetPath(file, out string reason);
            if (path is null)
            {
                Console.Error.WriteLine($"{file} skipped: {reason}");
                continue;
            }
            models.Add((file, path, [TensorData.FromFloats("x", shape, TextLikeImages.Create((int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]))], null));
        }

        foreach (var (name, path, inputs, labels) in models)
        {
            IReadOnlyList<TensorData>? reference = null;
            long fp32Bytes = new FileInfo(path).Length;
            foreach (var variant in Variants)
            {
                string output = path;
                if (variant.Passes != "none")
                {
                    var model = ModelLoader.Load(path);
                    new PassPipeline(PassRegistry.Default.Parse(variant.Passes)).Run(model, new PassContext(path) { Config = OptimizeConfig.Parse(variant.Config) });
                    output = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(path)}.{variant.Passes}.onnx");
                    ModelWriter.Save(model, output);
                }
                using var runner = OrtModelRunner.FromFile(output);
                var outputs = runner.Run(inputs);
                reference ??= outputs;
                var latency = LatencyMeter.Measure(() => runner.Run(inputs), warmupRuns: 3, runs: runs);
                long bytes = new FileInfo(output).Length;
                string accuracy = labels is null ? "" : $"{Accuracy(outputs[0], labels):P2}";
                Console.WriteLine($"| {name} | {variant.Name} | {bytes:N0} | {(double)bytes / fp32Bytes:P1} | {CosineSimilarity.Of(reference[0].ToFloats(), outputs[0].ToFloats()):F6} | {accuracy} | {latency.MedianSeconds * 1000:F2} |");
            }
        }
        return 0;
    }

    private static double Accuracy(TensorData logits, long[] labels)
    {
        var predicted = ClassificationAccuracy.Top1(logits);
        return (double)predicted.Where((p, i) => p == labels[i]).Count() / labels.Length;
    }
}
