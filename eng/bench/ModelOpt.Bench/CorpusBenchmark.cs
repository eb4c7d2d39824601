using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.Validation;
using ModelOpt.Validation.Comparison;
using ModelOpt.Optimizer;

namespace ModelOpt.Bench;

/// <summary>
/// <c>corpus</c>: the speech corpus (Silero VAD, openWakeWord) as a user brings it: MACs with the
/// inputs bound, what each pass does (written, refused and why, or nothing to rewrite), output
/// cosine on the real audio frames, and ONNX Runtime latency against the original — interleaved,
/// at ONNX Runtime's default intra-op threads and at 1 thread.
/// </summary>
internal static class CorpusBenchmark
{
    // freeze first: with the sample rate bound it inlines the If branch Silero VAD computes in.
    // "+search" is freeze,quantize with the accuracy-aware search keeping float what costs fidelity.
    private static readonly string[][] PassSets = [["freeze", "quantize"], ["freeze", "quantize", "+search"], ["freeze", "fp16"], ["freeze", "share-weights"]];

    public static int Run(string[] args)
    {
        int runs = BenchArguments.Int(args, "--runs", 200);
        string folder = Path.Combine(RepoPaths.Cache, "bench", "corpus");
        Directory.CreateDirectory(folder);
        Console.WriteLine($"ONNX Runtime CPU; latency: median of {runs} interleaved runs (original, candidate) after 20 warm-up runs, one sample per run;");
        Console.WriteLine("'default' = ONNX Runtime's default intra-op threads (one per core), '1 thread' = IntraOpThreads 1. Fidelity: lowest output cosine over the samples (real audio for Silero, 64 seeded synthetic feature windows for openWakeWord), budget minCosine 0.99.");
        Console.WriteLine();
        Console.WriteLine("| model | MACs | passes | result | size | cosine | latency, default threads | latency, 1 thread |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|");
        foreach (var m in SpeechCorpus.All)
        {
            string? path = RealModels.TryGetPath(m.File, out string reason);
            if (path is null)
            {
                Console.Error.WriteLine($"{m.File} skipped: {reason}");
                continue;
            }
            var bindings = ShapeBindings.Parse(m.Shapes, m.Values);
            var model = ModelLoader.Load(path);
            var analysis = ModelAnalyzer.Analyze(model, new AnalysisOptions { DeviceFlops = 1e9, Bindings = bindings });
            var shapes = model.Graph.Inputs.Where(v => v.Initializer is null).ToDictionary(v => v.Name, v => v.Shape!);
            var inputs = SyntheticInputs.For(model, shapes, seed: 3);
            string macs = $"{analysis.Totals.Macs / 1e3:0.#} K";
            foreach (var passes in PassSets)
            {
                string output = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(m.File)}.{string.Join('-', passes).Replace("+", "")}.onnx");
                bool search = passes.Contains("+search");
                File.Delete(output);
                string result, size = "", cosine = "", fast = "", single = "";
                try
                {
                    var r = OptimizeJob.Run(new OptimizeOptions
                    {
                        ModelPath = path,
                        OutputPath = output,
                        Passes = passes.Where(p => p != "+search").ToArray(),
                        Search = search,
                        SearchTime = TimeSpan.FromSeconds(120),
                        DataPath = m.DataPath,
                        Shapes = m.Shapes,
                        Values = m.Values,
                        State = m.State,
                        Budgets = BudgetSet.FromText([new("minCosine", "0.99")]),
                        Validate = true,
                    });
                    var inside = r.Warnings.FirstOrDefault(w => w.Code == WarningCode.WorkInsideSubgraphs);
                    var skipped = r.Warnings.FirstOrDefault(w => w.Code == WarningCode.PassSkipped);
                    result = inside is not null ? "written unchanged: MOPT5006, the network sits inside an If"
                        : skipped is not null ? $"{WarningCode.PassSkipped.Text()}: {Shorten(skipped.Message)}"
                        : r.Warnings.Any(w => w.Code == WarningCode.NoGain) ? "written, no gain (MOPT5005)"
                        : "written";
                    size = $"{new FileInfo(path).Length / 1024.0:0} → {r.OutputBytes / 1024.0:0} KiB";
                    cosine = r.Validation?.Comparison is { } c ? $"{c.MinCosine:0.0000}" : "";
                    fast = Latency(path, output, inputs, 0, runs);
                    single = Latency(path, output, inputs, 1, runs);
                }
                catch (ModelOptException e)
                {
                    result = $"refused ({e.Code.Text()}): {Shorten(e.Message)}";
                }
                Console.WriteLine($"| {m.File} | {macs} | {string.Join(",", passes.Where(p => p != "+search"))}{(search ? " --search" : "")} | {result} | {size} | {cosine} | {fast} | {single} |");
            }
        }
        return 0;
    }

    private static string Latency(string original, string candidate, IReadOnlyList<TensorData> inputs, int threads, int runs)
    {
        var settings = new OrtSessionSettings { IntraOpThreads = threads };
        using var a = OrtModelRunner.FromFile(original, settings);
        using var b = OrtModelRunner.FromFile(candidate, settings);
        var (la, lb) = InterleavedLatency.Measure(() => a.Run(inputs), () => b.Run(inputs), warmupRuns: 20, runs: runs);
        return $"{la.MedianSeconds * 1e3:0.000} → {lb.MedianSeconds * 1e3:0.000} ms ({la.MedianSeconds / lb.MedianSeconds:0.00}×)";
    }

    private static string Shorten(string message)
    {
        int cut = message.IndexOf(" For a smaller file", StringComparison.Ordinal);
        // One table cell: no line breaks, and the output's file name rather than this machine's path.
        string text = System.Text.RegularExpressions.Regex.Replace((cut > 0 ? message[..cut] : message).ReplaceLineEndings(" "), @"\s{2,}", " ");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\S*/\.cache/bench/corpus/", "");
        return text.Replace("|", "\\|");
    }
}
