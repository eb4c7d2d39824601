using ModelOpt.Engine.Config;
using System.Diagnostics;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation;

/// <summary>What the speed check measured: median latencies (seconds) of the original and the quantized model.</summary>
public sealed record SpeedCheckResult(double OriginalMedianSeconds, double QuantizedMedianSeconds, bool Passed)
{
    public double Speedup => OriginalMedianSeconds / QuantizedMedianSeconds;

    /// <summary>The session options both models were timed under: int8's gain depends on them (threads above all).</summary>
    public OrtSessionSettings? Session { get; init; }

    /// <summary>What the paired runs say, with the bound the decision took (<see cref="PairedTiming"/>); null where none was made.</summary>
    public PairedTiming.Verdict? Paired { get; init; }

    public override string ToString() =>
        $"fp32 {OriginalMedianSeconds * 1e3:0.00} ms, quantized {QuantizedMedianSeconds * 1e3:0.00} ms ({Speedup:0.00}×{(Paired is { } p ? $"; {p}" : "")})" + (Session is { } s ? $" under {s.Describe()}" : "");

    /// <summary>E.g. <c>int8 0.19 ms vs fp32 0.11 ms (0.58×)</c>.</summary>
    public string Describe() =>
        $"int8 {QuantizedMedianSeconds * 1e3:0.00} ms vs fp32 {OriginalMedianSeconds * 1e3:0.00} ms ({Speedup:0.00}×)" + (Session is { } s ? $" under {s.Describe()}" : "");
}

/// <summary>
/// The check the quantize pass asks for: int8 slower than fp32 is a known trap (Q/DQ left around
/// unfused ops, missing VNNI), so both models run on the same inputs in the same process,
/// alternately run by run so drift of a shared machine hits both alike. int8 passes only when the
/// paired runs show it faster by a margin beyond their noise (<see cref="PairedTiming"/>): a model
/// that runs 0.90–1.08× of fp32 depending on the machine's load is not kept for being faster once.
/// </summary>
public static class QuantizationSpeedCheck
{
    public static SpeedCheckResult Measure(Model original, Model quantized, IReadOnlyList<TensorData> inputs, int runs = 15, int warmupRuns = 3,
        OrtSessionSettings? settings = null)
    {
        using var fp32 = OrtModelRunner.FromModel(original, settings);
        using var int8 = OrtModelRunner.FromModel(quantized, settings);
        for (int i = 0; i < warmupRuns; i++)
        {
            fp32.Run(inputs);
            int8.Run(inputs);
        }
        var a = new List<double>();
        var b = new List<double>();
        var paired = PairedTiming.Decide(() =>
        {
            double x = Time(() => fp32.Run(inputs)), y = Time(() => int8.Run(inputs));
            a.Add(x);
            b.Add(y);
            return (x, y);
        }, first: runs, most: 3 * runs);
        double ma = LatencyMeter.Percentile(a.ToArray(), 0.5), mb = LatencyMeter.Percentile(b.ToArray(), 0.5);
        return new SpeedCheckResult(ma, mb, paired.Faster) { Session = fp32.Settings, Paired = paired };
    }

    /// <summary>
    /// Measures <paramref name="quantized"/> against the source model at <paramref name="modelPath"/>
    /// on the first of the user's samples (<paramref name="dataPath"/>, or those beside the model),
    /// else on seeded synthetic inputs of its declared (or bound) shapes.
    /// </summary>
    public static SpeedCheckResult MeasureAgainstSource(string modelPath, Model quantized, ShapeBindings bindings, int seed, OrtSessionSettings? settings = null, string? dataPath = null)
    {
        var original = ModelLoader.Load(modelPath);
        ShapeInference.Run(original, bindings);
        return Measure(original, quantized, Data.RunInputs.For(original, modelPath, dataPath, seed).Tensors, settings: settings);
    }

    /// <summary>Below this a model is launch- and memory-bound: int8's Q/DQ overhead outweighs what it saves.</summary>
    public const double SmallModelSeconds = 0.5e-3;

    /// <summary>
    /// For a model too small for int8 to pay, the one sentence that says so and what is left (size
    /// wins); null for a model where int8 being slower is a surprise worth its own message.
    /// </summary>
    public static string? SmallModelReason(SpeedCheckResult result) => result.Passed || result.OriginalMedianSeconds >= SmallModelSeconds ? null
        : $"the model already runs in {result.OriginalMedianSeconds * 1e3:0.00} ms under ONNX Runtime, too little arithmetic for int8 to pay: quantized it would be {1 / result.Speedup:0.0}× slower, the Q/DQ steps costing more than the multiply-adds they save, so no pass makes it faster. For a smaller file, fp16 (half the weight bytes) and share-weights (4–8 bits per weight) are size wins ({OptionNames.Passes.With("fp16")} or share-weights, with {SettingNames.Budget(Engine.Budgets.BudgetDefinition.MaxSize)})";

    /// <summary>Throws when the quantized model is slower, unless the user allowed it (allowSlower); <paramref name="why"/> says why that is an error rather than a skipped pass.</summary>
    public static SpeedCheckResult Enforce(SpeedCheckResult result, bool allowSlower, string modelName, string? why = null, Engine.Config.FrontEnd frontEnd = Engine.Config.FrontEnd.CommandLine)
    {
        if (!result.Passed && !allowSlower)
            throw new ModelOptException(ErrorCode.BudgetBroken, modelName,
                $"the quantized model is not measurably faster than the original under ONNX Runtime ({result}){(why is null ? "" : $" and {why}")}; no output is written. {(SmallModelReason(result) is { } small ? char.ToUpperInvariant(small[0]) + small[1..] + ". " : "")}Set \"quantize.allowSlower\": true to keep it anyway.");
        return result;
    }

    private static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
