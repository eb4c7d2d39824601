using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes.LowRank;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// <c>lowrank</c>: replaces a fully connected layer (Gemm, or MatMul by a constant matrix) of
/// weights W[K, N] by two, K→r→N, from a truncated SVD of the trained weights. A layer is rewritten
/// only when r·(K + N) &lt; K·N, i.e. when it really saves MACs. The bias, alpha and beta stay on
/// the second factor, so the pair computes exactly what the layer did at full rank.
/// </summary>
public sealed class LowRankPass : IPass
{
    public const string PassName = "lowrank";

    public string Name => PassName;

    public Type SettingsType => typeof(RankSettings);

    public string Description => "Factorize fully connected layers (Gemm, MatMul by a constant) into two thinner ones (truncated SVD; rank by retained energy).";

    public PassOutcome Run(Model model, PassContext context)
    {
        var notes = new List<string>();
        int rewritten = 0;
        foreach (var node in model.Graph.Nodes.ToList())
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Gemm" or "MatMul")) continue;
            if (context.Settings<RankSettings>(PassName, node) is not { } settings)
            {
                notes.Add($"{node.Name}: left alone by the configuration");
                continue;
            }
            string? why = TryRewrite(model.Graph, node, settings, notes);
            if (why is null) rewritten++;
            else notes.Add($"{node.Name}: skipped, {why}");
        }
        return new PassOutcome(rewritten > 0, rewritten, notes);
    }

    private static string? TryRewrite(Graph graph, Node node, RankSettings settings, List<string> notes)
    {
        bool gemm = node.OpType == "Gemm";
        if (gemm && node.GetInt("transA", 0) != 0) return "its first input is transposed (transA)";
        if (node.Input(1)?.ConstantValue is not { } weight) return "its weights are not constant";
        if (weight.DataType != TensorProto.Types.DataType.Float) return "its weights are not float32";
        if (weight.Dims.Length != 2) return $"its weights have rank {weight.Dims.Length}, not 2";
        bool transB = gemm && node.GetInt("transB", 0) != 0;
        int k = (int)(transB ? weight.Dims[1] : weight.Dims[0]);
        int n = (int)(transB ? weight.Dims[0] : weight.Dims[1]);
        var bias = gemm ? node.Input(2) : null;

        var factorization = MatrixFactorization.Compute(KByN(weight.ToFloats(), transB, k, n), k, n);
        int rank = Math.Min(settings.Rank ?? factorization.RankFor(settings.Energy), factorization.MaxRank);
        long before = (long)k * n, after = (long)rank * (k + n);
        if (after >= before && settings.Rank is null)
            return $"rank {rank} of {factorization.MaxRank} (energy {factorization.RetainedEnergy(rank):0.####}) would not save MACs ({before} → {after} per row; it pays only below rank {(double)k * n / (k + n):0.#})";

        var (first, second) = factorization.Factors(rank);
        string name = node.Name.Length > 0 ? node.Name : node.OpType.ToLowerInvariant();
        var firstWeight = graph.AddInitializer(Tensor.FromFloats($"{name}.lowrank_a.weight", [k, rank], first));
        var secondWeight = graph.AddInitializer(Tensor.FromFloats($"{name}.lowrank_b.weight", [rank, n], second));

        var x = node.Input(0)!;
        var down = graph.CreateNode("MatMul", [x, firstWeight], name: $"{name}_lowrank_a", before: node);
        down.Output(0).ElementType = TensorProto.Types.DataType.Float;
        if (x.Shape is { Rank: >= 1 } xs)
            down.Output(0).Shape = new TensorShape([.. xs.Dims.Take(xs.Rank - 1), Dim.Of(rank)]);

        Node up;
        if (gemm)
        {
            var inputs = bias is null ? new[] { down.Output(0), secondWeight } : [down.Output(0), secondWeight, bias];
            up = graph.CreateNode("Gemm", inputs, name: $"{name}_lowrank_b", before: node);
            foreach (var attr in node.Proto.Attribute)
                if (attr.Name is "alpha" or "beta") up.SetAttribute(attr.Clone());
        }
        else
        {
            up = graph.CreateNode("MatMul", [down.Output(0), secondWeight], name: $"{name}_lowrank_b", before: node);
        }
        var y = node.Output(0);
        up.Output(0).ElementType = y.ElementType;
        up.Output(0).Shape = y.Shape;
        graph.ReplaceAllUses(y, up.Output(0));
        graph.RemoveNode(node, force: true);
        notes.Add($"{name}: rank {rank} of {factorization.MaxRank} (energy {factorization.RetainedEnergy(rank):0.####}), MACs per row {before} → {after} ({(double)before / after:0.##}×)");
        return null;
    }

    // Gemm with transB stores W as [N, K]; the factorization wants [K, N].
    private static float[] KByN(float[] w, bool transposed, int k, int n)
    {
        if (!transposed) return w;
        var result = new float[k * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < k; i++) result[i * n + j] = w[j * k + i];
        return result;
    }
}
