using System.Runtime.CompilerServices;
using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// <c>"calibration": "auto"</c>: which range rule suits a model is a property of its activations'
/// tails, not something a user can guess. MinMax keeps every outlier and spends the uint8 steps on
/// them; a percentile clips them and resolves the bulk. PP-OCRv4 det is best with MinMax, ISNet
/// at 1024² loses its mask with MinMax (held-out cosine 0.42–0.94) and keeps it with the 99.99th
/// percentile (docs/benchmarks.md); a per-tensor least-squared-error range (mse) trades the tail of
/// each tensor on its own. So each candidate rule quantizes the model, the quantized copy
/// runs on the calibration samples beside the float model, and the rule whose outputs stay closest
/// (highest cosine, the lowest over the outputs) wins; MinMax on a tie. One calibration pass serves
/// every candidate (min/max, then one histogram).
/// </summary>
public static class CalibrationChoice
{
    /// <summary>The percentile candidates after MinMax, mildest clipping first (mse comes last).</summary>
    public static IReadOnlyList<double> Percentiles { get; } = [99.999, 99.99];

    // The accuracy-aware search rebuilds the same quantized model many times over, each with a few
    // layers kept float: the rule is chosen once, with every layer int8, and reused for the others
    // it calibrates on the same samples rather than measured again (it depends on the tails of the
    // activations, which the float layers do not change). Keyed by the sample source, which lives
    // for one run.
    private static readonly ConditionalWeakTable<IActivationSource, Memo> Chosen = new();

    // What one run learnt of a model: the rule, and the statistics of the last float model it
    // streamed (a trial of the search rebuilds the same float model; streaming it again costs more
    // than the rest of the trial on a large model: ISNet at 1024² takes minutes).
    private sealed class Memo
    {
        public Dictionary<string, Rule> Rules { get; } = new(StringComparer.Ordinal);
        public (string Content, ActivationStatistics Statistics)? Last { get; set; }
    }

    /// <summary>A range rule: min/max, or a percentile of the histogram.</summary>
    private sealed record Rule(CalibrationMethod Method, double Percentile)
    {
        public Dictionary<string, TensorRange> Ranges(ActivationStatistics statistics) => statistics.Ranges(Method, Percentile);

        public override string ToString() => Method switch
        {
            CalibrationMethod.MinMax => "minmax",
            CalibrationMethod.Mse => "mse",
            _ => $"percentile {Percentile}",
        };
    }

    public sealed record Outcome(Dictionary<string, TensorRange> Ranges, string Note)
    {
        /// <summary>The rule chosen, as the lock records it (<c>minmax</c>, <c>percentile 99.99</c>, <c>mse</c>).</summary>
        public string Rule { get; init; } = "";
    }

    /// <param name="names">The tensors quantized with every layer the pass may take int8.</param>
    /// <param name="quantizedCopy">Builds a copy of <paramref name="model"/> with those layers quantized with the given ranges.</param>
    public static Outcome Choose(Model model, IReadOnlyCollection<string> names, IActivationSource source, ChannelMeans? means,
        Func<Dictionary<string, TensorRange>, Model> quantizedCopy)
    {
        string key = Fingerprint(model);
        var memo = Chosen.GetOrCreateValue(source);
        Rule? known;
        lock (memo) memo.Rules.TryGetValue(key, out known);
        var statistics = Statistics(model, names, source, means, memo);
        if (known is not null)
            return new Outcome(known.Ranges(statistics), $"calibration auto: {known}, as chosen for this model earlier in the run") { Rule = known.ToString() };

        Rule[] candidates = [new(CalibrationMethod.MinMax, 100), .. Percentiles.Select(p => new Rule(CalibrationMethod.Percentile, p)), new(CalibrationMethod.Mse, 100)];
        // The copy keeps the graph's outputs in order (their values may be renamed behind a DequantizeLinear).
        var outputs = Enumerable.Range(0, model.Graph.Outputs.Count).Where(i => model.Graph.Outputs[i].ElementType == TensorProto.Types.DataType.Float).ToArray();
        var scores = candidates.Select(rule => (Rule: rule, Cosine: LowestCosine(source, model, quantizedCopy(rule.Ranges(statistics)), outputs))).ToList();
        var best = scores.Aggregate((x, y) => y.Cosine > x.Cosine ? y : x);
        lock (memo) memo.Rules[key] = best.Rule;
        string tried = string.Join(", ", scores.Select(s => $"{s.Rule} {s.Cosine:0.00000}"));
        return new Outcome(best.Rule.Ranges(statistics),
            $"calibration auto: {best.Rule} (output cosine to float on the {source.SampleCount} calibration samples: {tried})") { Rule = best.Rule.ToString() };
    }

    /// <summary>
    /// Per output, the cosine of the quantized copy's values to the float model's over every
    /// sample; the lowest over the outputs, as the <c>minCosine</c> budget reads it.
    /// </summary>
    private static double LowestCosine(IActivationSource source, Model reference, Model quantized, int[] outputIndices)
    {
        if (outputIndices.Length == 0) return 1;
        var outputs = outputIndices.Select(i => reference.Graph.Outputs[i].Name).ToArray();
        var quantizedOutputs = outputIndices.Select(i => quantized.Graph.Outputs[i].Name).ToArray();
        var sums = new CosineSums[outputs.Length];
        foreach (var pair in source.StreamTogether([(reference, outputs), (quantized, quantizedOutputs)]))
        {
            for (int i = 0; i < outputs.Length; i++)
            {
                if (!pair[0].TryGetValue(outputs[i], out var a) || !pair[1].TryGetValue(quantizedOutputs[i], out var b)) continue;
                if (a.DataType != TensorProto.Types.DataType.Float || b.DataType != TensorProto.Types.DataType.Float) continue;
                var x = a.Span<float>();
                var y = b.Span<float>();
                if (x.Length != y.Length) continue;
                sums[i].Add(x, y);
            }
        }
        double lowest = 1;
        for (int i = 0; i < outputs.Length; i++) lowest = Math.Min(lowest, sums[i].Value);
        return lowest;
    }

    /// <summary>
    /// The statistics auto's candidates need (min/max and the signed histogram), streamed once per
    /// float model: the same weights and graph reuse the last ones. Not with bias correction, whose
    /// channel means fill during the stream.
    /// </summary>
    private static ActivationStatistics Statistics(Model model, IReadOnlyCollection<string> names, IActivationSource source, ChannelMeans? means, Memo memo)
    {
        if (means is not null) return ActivationCalibrator.Collect(model, names, source, CalibrationMethod.Auto, means);
        string content = Content(model, names);
        lock (memo)
            if (memo.Last is { } last && last.Content == content) return last.Statistics;
        var statistics = ActivationCalibrator.Collect(model, names, source, CalibrationMethod.Auto);
        lock (memo) memo.Last = (content, statistics);
        return statistics;
    }

    // The graph, every weight's bytes and the tensors asked for: equal only for the same float model
    // (a refit or a prune between two trials changes it). In-process hashing is enough for an in-process memo.
    private static string Content(Model model, IReadOnlyCollection<string> names)
    {
        var hash = new HashCode();
        foreach (var node in model.Graph.AllNodes())
        {
            hash.Add(node.OpType);
            foreach (var input in node.Inputs) hash.Add(input?.Name);
        }
        foreach (var init in model.Graph.Initializers)
            if (init.Initializer is { } t) hash.AddBytes(t.Bytes);
        foreach (var name in names) hash.Add(name);
        return $"{Fingerprint(model)}#{hash.ToHashCode()}";
    }

    // The float model before any Q/DQ: the same for every trial that keeps other layers float.
    private static string Fingerprint(Model model) =>
        $"{model.Graph.Inputs.Count}:{model.Graph.Outputs.Count}:{string.Join(',', model.Graph.Outputs.Select(o => o.Name))}|" +
        $"{model.Graph.Initializers.Sum(t => t.Initializer?.ElementCount ?? 0)}:{model.Graph.NodeCount}";
}
