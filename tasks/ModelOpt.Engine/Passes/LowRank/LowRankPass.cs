using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.LowRank;

namespace ModelOpt.Engine.Passes.LowRank;

/// <summary>
/// <c>lowrank</c>: replaces a fully connected layer (Gemm, or MatMul by a constant matrix) of
/// weights W[K, N] by two, K→r→N, from a truncated SVD of the trained weights. A layer is rewritten
/// only when r·(K + N) &lt; K·N, i.e. when it really saves MACs. The bias, alpha and beta stay on
/// the second factor, so the pair computes exactly what the layer did at full rank.
/// </summary>
public sealed class LowRankPass : IKnobProvider
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
            string? why = TryRewrite(model.Graph, node, settings, context, notes);
            if (why is null) rewritten++;
            else notes.Add($"{node.Name}: skipped, {why}");
        }
        return new PassOutcome(rewritten > 0, rewritten, notes);
    }

    public KnobSaving Saves => KnobSaving.Macs;

    private static readonly double[] RankFractions = [0.75, 0.5, 0.375, 0.25, 0.1875, 0.125, 0.0625, 0.03125];

    /// <summary>Each named fully connected layer the pass could factorize, with fractions of its full rank that save MACs, mildest first.</summary>
    public IReadOnlyList<LayerKnob> Knobs(Model model, PassContext context)
    {
        var knobs = new List<LayerKnob>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Name.Length == 0 || node.Domain.Length != 0 || node.OpType is not ("Gemm" or "MatMul")) continue;
            if (node.OpType == "Gemm" && node.GetInt("transA", 0) != 0) continue;
            if (context.SettingsFor(PassName, node) is null) continue;
            if (node.Input(1)?.ConstantValue is not { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 } w) continue;
            bool transB = node.OpType == "Gemm" && node.GetInt("transB", 0) != 0;
            int k = (int)(transB ? w.Dims[1] : w.Dims[0]), n = (int)(transB ? w.Dims[0] : w.Dims[1]);
            int full = Math.Min(k, n);
            var factorization = new Lazy<MatrixFactorization>(() => MatrixFactorization.Compute(KByN(w.ToFloats(), transB, k, n), k, n));
            var ladder = RankFractions.Select(f => (int)Math.Max(1, Math.Round(full * f))).Distinct().Where(r => (long)r * (k + n) < (long)k * n)
                .Select(r => new KnobSetting($"rank {r}", new System.Text.Json.Nodes.JsonObject { ["rank"] = r },
                    new LocalChange.ReplacedWeights(new Lazy<float[]>(() => Product(factorization.Value, r, k, n, transB))),
                    (double)r * (k + n) / ((double)k * n)))
                .ToList();
            if (ladder.Count > 0) knobs.Add(new LayerKnob(node.Name, PassName, ladder));
        }
        return knobs;
    }

    // A·B at rank r, in the layout of the layer's own weight input ([N, K] under transB).
    private static float[] Product(MatrixFactorization f, int rank, int k, int n, bool transB)
    {
        var (a, b) = f.Factors(rank);
        var w = new float[k * n];
        for (int i = 0; i < k; i++)
            for (int r = 0; r < rank; r++)
            {
                float x = a[i * rank + r];
                if (x == 0) continue;
                for (int j = 0; j < n; j++)
                {
                    float v = x * b[r * n + j];
                    if (transB) w[j * k + i] += v;
                    else w[i * n + j] += v;
                }
            }
        return w;
    }

    private static string? TryRewrite(Graph graph, Node node, RankSettings settings, PassContext context, List<string> notes)
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

        // The rank energy picked is recorded: a replay takes it as given, whatever the SVD's last bits on another CPU.
        if (settings.Rank is null && node.Name.Length > 0) context.Decide(PassName, node, new System.Text.Json.Nodes.JsonObject { ["rank"] = rank });
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
        // refit pairs the second factor with the teacher's output of the layer it replaces.
        context.TeacherValues.RecordReplacement(y, up.Output(0));
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
