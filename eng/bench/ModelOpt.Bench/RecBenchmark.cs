using System.Diagnostics;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Bench;

/// <summary>
/// <c>rec</c>: PP-OCRv4 rec at int8 judged as a reader is: text lines cut from real manual pages
/// (eng/fetch-pages.sh rec48), calibrated on lines of some pages, read back on the lines of pages it
/// never saw, greedy CTC decoded with the dictionary the model ships with. Counts lines read exactly
/// as fp32 reads them, CTC frames whose top-1 class is kept, and the character error rate against
/// fp32; speed interleaved at ONNX Runtime's default threads and at one thread.
/// </summary>
internal static class RecBenchmark
{
    public static int Run(string[] args)
    {
        string config = BenchArguments.String(args, "--config") ?? """{ "quantize": {} }""";
        int calibrationLines = BenchArguments.Int(args, "--calibration", 32);
        int runs = BenchArguments.Int(args, "--runs", 30);
        string lines = BenchArguments.String(args, "--lines") ?? Path.Combine(RepoPaths.Root, ".cache", "pages", "rec48");
        string? path = RealModels.TryGetPath(RealModels.Recognizer, out string why);
        if (path is null)
        {
            Console.Error.WriteLine($"rec: {why}");
            return 3;
        }
        if (!Directory.Exists(Path.Combine(lines, "heldout")))
        {
            Console.Error.WriteLine($"rec: no text lines in {lines}; run bash eng/fetch-pages.sh rec48");
            return 3;
        }
        var dictionary = CtcDictionary.Load(Path.Combine(Path.GetDirectoryName(path)!, "ppocr_keys_v1.txt"));

        var bindings = Engine.Shapes.ShapeBindings.Parse(["x=1x3x48x320"]);
        var original = Prepared(path, bindings);
        // --model judges a model written elsewhere (e.g. by optimize --search) instead of quantizing here.
        string? given = BenchArguments.String(args, "--model");
        var model = given is null ? Prepared(path, bindings) : ModelLoader.Load(given);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> notes = [];
        int calibrated = 0;
        if (given is null)
        {
            using var calibration = SampleSet.FromFolder(Path.Combine(lines, "calibration"), model, limit: calibrationLines);
            calibrated = calibration.Count;
            notes = new PassPipeline([new QuantizePass()]).Run(model, new PassContext("rec")
            {
                Config = OptimizeConfig.Parse(config),
                Bindings = bindings,
                Calibration = new OrtActivationSource(calibration, batchSize: 8),
            }).Single().Notes;
        }
        double seconds = clock.Elapsed.TotalSeconds;

        using var heldout = SampleSet.FromFolder(Path.Combine(lines, "heldout"), model);
        using var fp32 = OrtModelRunner.FromModel(original);
        using var int8 = OrtModelRunner.FromModel(model);
        int same = 0, frames = 0, keptFrames = 0, characters = 0, edits = 0;
        var differing = new List<string>();
        IReadOnlyList<TensorData>? first = null;
        foreach (var line in heldout.Batches(1))
        {
            first ??= line;
            var a = fp32.Run(line)[0];
            var b = int8.Run(line)[0];
            int steps = (int)a.Shape[1], classes = (int)a.Shape[2];
            int[] ta = CtcDictionary.Top1(a.ToFloats(), steps, classes), tb = CtcDictionary.Top1(b.ToFloats(), steps, classes);
            frames += steps;
            keptFrames += ta.Zip(tb).Count(p => p.First == p.Second);
            string sa = dictionary.Decode(ta), sb = dictionary.Decode(tb);
            characters += Math.Max(1, sa.Length);
            edits += CtcDictionary.EditDistance(sa, sb);
            if (sa == sb) same++;
            else differing.Add($"    '{sa}' → '{sb}'");
        }
        int total = heldout.Count;
        Console.WriteLine(given is null ? $"config: {config}" : $"model: {given}");
        Console.WriteLine(given is null
            ? $"PP-OCRv4 rec 1x3x48x320, calibrated on {calibrated} text lines, judged on {total} lines of other pages (quantized in {seconds:0.0} s):"
            : $"PP-OCRv4 rec 1x3x48x320 against {given}, judged on {total} held-out lines:");
        Console.WriteLine($"  lines read as fp32 reads them: {same}/{total} ({(double)same / total:P1}); CTC frames with the same top-1 class: {(double)keptFrames / frames:P2}; character error rate against fp32: {(double)edits / characters:P2}");
        foreach (var d in differing) Console.WriteLine(d);
        foreach (var threads in new[] { 0, 1 })
        {
            var settings = new OrtSessionSettings { IntraOpThreads = threads };
            using var a = OrtModelRunner.FromModel(original, settings);
            using var b = OrtModelRunner.FromModel(model, settings);
            var (la, lb) = InterleavedLatency.Measure(() => a.Run(first!), () => b.Run(first!), runs: runs);
            Console.WriteLine($"  {(threads == 0 ? "default threads" : "1 thread")}: fp32 {la.MedianSeconds * 1e3:0.00} ms, int8 {lb.MedianSeconds * 1e3:0.00} ms (median of {runs}, interleaved): {la.MedianSeconds / lb.MedianSeconds:0.00}x");
        }
        Console.WriteLine($"  size {(double)ModelWriter.ToProto(model).CalculateSize() / ModelWriter.ToProto(original).CalculateSize():P1} of fp32");
        foreach (var n in notes.Where(n => !n.Contains("kept float"))) Console.WriteLine($"  {n}");
        return 0;
    }

    private static Model Prepared(string path, Engine.Shapes.ShapeBindings bindings)
    {
        var model = ModelLoader.Load(path);
        new PassPipeline([new FreezePass()]).Run(model, new PassContext(path) { Bindings = bindings });
        return model;
    }
}
