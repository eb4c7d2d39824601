using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// Magnitude pruning: zeroes the smallest-magnitude weights of Conv/Gemm/MatMul constant weights,
/// to a sparsity per weight tensor (layer scope) or over all of them at once (global scope). Shapes
/// do not change, so the model runs exactly as fast; the zeros only pay once the file is compressed
/// or a sparse runtime reads it.
/// </summary>
internal static class UnstructuredPruning
{
    private sealed record Target(Value Weight, List<(Node Node, int Input)> Uses, double Ratio);

    public static PassOutcome Run(Graph graph, PruneSettings global, Func<Node, PruneSettings?> settingsFor)
    {
        var notes = new List<string>();
        var targets = new Dictionary<Value, Target>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Conv" or "Gemm" or "MatMul")) continue;
            if (node.Input(1) is not { ConstantValue: { DataType: TensorProto.Types.DataType.Float } } weight) continue;
            var settings = settingsFor(node);
            if (settings is null)
            {
                notes.Add($"{node.Name}: left alone by the configuration");
                continue;
            }
            if (targets.TryGetValue(weight, out var shared))
            {
                // A weight read by several nodes is pruned once, as the most cautious of them asks.
                shared.Uses.Add((node, 1));
                targets[weight] = shared with { Ratio = Math.Min(shared.Ratio, settings.Ratio) };
            }
            else targets[weight] = new Target(weight, [(node, 1)], settings.Ratio);
        }
        // A shared weight some node must leave alone stays whole.
        foreach (var t in targets.Values.ToList())
            if (t.Weight.Uses.Any(u => u.InputIndex != 1 || !t.Uses.Contains((u.Node, u.InputIndex))))
                targets.Remove(t.Weight);
        if (targets.Count == 0) return new PassOutcome(false, 0, [.. notes, "no Conv/Gemm/MatMul has constant float32 weights to prune"]);

        var values = targets.Values.ToDictionary(t => t.Weight, t => t.Weight.ConstantValue!.ToFloats());
        var zeroCounts = global.Scope == PruneScope.Global && targets.Values.All(t => t.Ratio == global.Ratio)
            ? GlobalCounts(values, global.Ratio)
            : targets.Values.ToDictionary(t => t.Weight, t => (long)Math.Round(t.Ratio * values[t.Weight].Length, MidpointRounding.AwayFromZero));
        if (global.Scope == PruneScope.Global && zeroCounts.Count != 0 && targets.Values.Any(t => t.Ratio != global.Ratio))
            notes.Add("per-node ratios are set, so each weight is pruned to its own ratio instead of under one global threshold");

        long zeroed = 0, total = 0;
        int touched = 0;
        foreach (var target in targets.Values)
        {
            var w = values[target.Weight];
            long k = zeroCounts[target.Weight];
            total += w.Length;
            if (k == 0) continue;
            ZeroSmallest(w, k);
            zeroed += k;
            var tensor = target.Weight.ConstantValue!;
            var sparse = graph.AddInitializer(Tensor.FromFloats(tensor.Name.Length > 0 ? tensor.Name : "sparse", tensor.Dims, w));
            foreach (var (node, input) in target.Uses) node.SetInput(input, sparse);
            touched += target.Uses.Count;
            notes.Add($"{target.Uses[0].Node.Name}: {k} of {w.Length} weights zeroed ({(double)k / w.Length:P1})");
        }
        notes.Add($"unstructured: {zeroed} of {total} weights zeroed ({(total > 0 ? (double)zeroed / total : 0):P2} sparsity). " +
            "This is a size win only once the file is compressed (zeros compress well) or read by a sparse runtime; " +
            "it is not a speed win on ONNX Runtime, whose dense kernels do the same work on zeros.");
        return new PassOutcome(zeroed > 0, touched, notes);
    }

    private static void ZeroSmallest(float[] w, long k)
    {
        var magnitudes = Array.ConvertAll(w, MathF.Abs);
        var order = new int[w.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(magnitudes, order);
        for (long i = 0; i < k; i++) w[order[i]] = 0;
    }

    // One magnitude threshold over all weights: the k = ratio × total smallest of the whole model.
    // Weights equal to the threshold are shared out in file order so exactly k go.
    private static Dictionary<Value, long> GlobalCounts(Dictionary<Value, float[]> values, double ratio)
    {
        long total = values.Values.Sum(v => (long)v.Length);
        long k = (long)Math.Round(ratio * total, MidpointRounding.AwayFromZero);
        var counts = values.Keys.ToDictionary(v => v, _ => 0L);
        if (k == 0) return counts;
        var all = new float[total];
        long at = 0;
        foreach (var v in values.Values)
            foreach (float w in v) all[at++] = MathF.Abs(w);
        Array.Sort(all);
        float threshold = all[k - 1];
        long remaining = k;
        var equal = new Dictionary<Value, long>();
        foreach (var (weight, v) in values)
        {
            long below = 0, same = 0;
            foreach (float w in v)
            {
                float m = MathF.Abs(w);
                if (m < threshold) below++;
                else if (m == threshold) same++;
            }
            counts[weight] = below;
            equal[weight] = same;
            remaining -= below;
        }
        foreach (var weight in values.Keys)
        {
            long take = Math.Min(remaining, equal[weight]);
            counts[weight] += take;
            remaining -= take;
        }
        return counts;
    }
}
