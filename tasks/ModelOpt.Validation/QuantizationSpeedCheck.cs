using ModelOpt.Engine.Config;
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

    /// <summary>The clock both were timed on (<see cref="DecisionClock"/>); null: wall time.</summary>
    public DecisionClock? Clock { get; init; }

    /// <summary>The original's fastest run where it is below <see cref="TimingResolution.SmallModelSeconds"/>: no speed-based choice was made (<see cref="Passed"/> is false whatever the pairs said).</summary>
    public double? TooSmallToTime { get; init; }

    public override string ToString() =>
        $"fp32 {OriginalMedianSeconds * 1e3:0.00} ms, quantized {QuantizedMedianSeconds * 1e3:0.00} ms ({Speedup:0.00}×{(Paired is { } p ? $"; {p}" : "")})" + (Session is { } s ? $" under {s.Describe()}" : "") + (Clock is { ThreadCpu: true } c ? $", on {c.Describe()}" : "")
        + (TooSmallToTime is double fastest ? $"; not judged by speed: {TimingResolution.Why(fastest)}" : "");

    /// <summary>E.g. <c>int8 0.19 ms vs fp32 0.11 ms (0.58×)</c>.</summary>
    public string Describe() =>
        $"int8 {QuantizedMedianSeconds * 1e3:0.00} ms vs fp32 {OriginalMedianSeconds * 1e3:0.00} ms ({Speedup:0.00}×)" + (Session is { } s ? $" under {s.Describe()}" : "") + (Clock is { ThreadCpu: true } ? ", thread CPU time" : "");
}

/// <summary>
/// The check the quantize pass asks for: int8 slower than fp32 is a known trap (Q/DQ left around
/// unfused ops, missing VNNI), so both models run on the same inputs in the same process,
/// alternately run by run so drift of a shared machine hits both alike. int8 passes only when the
/// paired runs show it faster by a margin beyond their noise (<see cref="PairedTiming"/>): a model
/// that runs 0.90–1.08× of fp32 depending on the machine's load is not kept for being faster once.
/// Both are timed on the <see cref="DecisionClock"/>: the model's own work, which the machine's load
/// does not change, so the same command keeps or drops int8 alike idle and busy.
/// </summary>
public static class QuantizationSpeedCheck
{
    public static SpeedCheckResult Measure(Model original, Model quantized, IReadOnlyList<TensorData> inputs, int runs = 15, int warmupRuns = 3,
        OrtSessionSettings? settings = null, double margin = PairedTiming.DefaultMargin)
    {
        var clock = DecisionClock.For(settings);
        using var fp32 = OrtModelRunner.FromModel(original, clock.Session);
        using var int8 = OrtModelRunner.FromModel(quantized, clock.Session);
        for (int i = 0; i < warmupRuns; i++)
        {
            fp32.Run(inputs);
            int8.Run(inputs);
        }
        var a = new List<double>();
        var b = new List<double>();
        var paired = PairedTiming.Decide(() =>
        {
            double x = clock.Time(() => fp32.Run(inputs)), y = clock.Time(() => int8.Run(inputs));
            a.Add(x);
            b.Add(y);
            return (x, y);
        }, margin, first: runs, most: 3 * runs);
        return Judge(a, b, paired) with { Session = fp32.Settings, Clock = clock };
    }

    /// <summary>
    /// The decision from the timed runs: int8 passes when the pairs show it faster beyond their noise
    /// and the original runs long enough for that to mean something (<see cref="TimingResolution"/>):
    /// a model too small to time keeps float on every run, idle or busy, rather than on some.
    /// </summary>
    public static SpeedCheckResult Judge(IReadOnlyList<double> original, IReadOnlyList<double> quantized, PairedTiming.Verdict paired)
    {
        double ma = LatencyMeter.Percentile(original.ToArray(), 0.5), mb = LatencyMeter.Percentile(quantized.ToArray(), 0.5);
        bool tooSmall = TimingResolution.TooSmall(original.ToList());
        return new SpeedCheckResult(ma, mb, paired.Faster && !tooSmall) { Paired = paired, TooSmallToTime = tooSmall ? original.Min() : null };
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

    /// <summary>Below this a model is launch- and memory-bound (<see cref="TimingResolution"/>).</summary>
    public const double SmallModelSeconds = TimingResolution.SmallModelSeconds;

    /// <summary>
    /// For a model too small for a timing to judge, the one sentence that says so and what is left
    /// (size wins); null for a model where int8 being slower is a surprise worth its own message.
    /// </summary>
    public static string? SmallModelReason(SpeedCheckResult result) => result.Passed || result.TooSmallToTime is null ? null
        : $"the model already runs in {result.TooSmallToTime * 1e3:0.###} ms at its fastest under ONNX Runtime, too little for int8 to pay by a margin a timing can confirm (below {SmallModelSeconds * 1e3:0.#} ms a 5 % gain follows the machine's load), so int8 is not kept for its speed. For a smaller file, fp16 (half the weight bytes) and share-weights (4–8 bits per weight) are size wins ({OptionNames.Passes.With("fp16")} or share-weights, with {SettingNames.Budget(Engine.Budgets.BudgetDefinition.MaxSize)})";

    /// <summary>Throws when the quantized model is slower, unless the user allowed it (allowSlower); <paramref name="why"/> says why that is an error rather than a skipped pass.</summary>
    public static SpeedCheckResult Enforce(SpeedCheckResult result, bool allowSlower, string modelName, string? why = null, Engine.Config.FrontEnd frontEnd = Engine.Config.FrontEnd.CommandLine)
    {
        if (!result.Passed && !allowSlower)
            throw new ModelOptException(ErrorCode.BudgetBroken, modelName,
                $"the quantized model is not measurably faster than the original under ONNX Runtime ({result}){(why is null ? "" : $" and {why}")}; no output is written. {(SmallModelReason(result) is { } small ? char.ToUpperInvariant(small[0]) + small[1..] + ". " : "")}Set \"quantize.allowSlower\": true to keep it anyway.");
        return result;
    }

}
