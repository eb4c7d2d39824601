using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Separable;
using ModelOpt.Engine.Passes.LowRank;

namespace ModelOpt.Engine.Passes.Separable;

/// <summary>
/// <c>separable</c>: replaces standard convolutions (group 1, kernel larger than 1×1) by a
/// depthwise conv with channel multiplier r and a 1×1 conv, from an SVD of the trained weights.
/// A layer is rewritten only when r·(k² + Cout) &lt; Cout·k², i.e. when it really saves MACs.
/// </summary>
public sealed class SeparablePass : IKnobProvider
{
    public const string PassName = "separable";

    public string Name => PassName;

    public Type SettingsType => typeof(RankSettings);

    public string Description => "Factorize standard convs into depthwise + pointwise convs (SVD of the weights; rank by retained energy).";

    public PassOutcome Run(Model model, PassContext context)
    {
        var notes = new List<string>();
        var ineligible = new Dictionary<string, int>(StringComparer.Ordinal);
        int rewritten = 0;
        foreach (var conv in model.Graph.Nodes)
        {
            if (conv.Domain.Length != 0 || conv.OpType != "Conv") continue;
            if (context.Settings<RankSettings>(PassName, conv) is not { } settings)
            {
                notes.Add($"{conv.Name}: left alone by the configuration");
                continue;
            }
            string? why = TryRewrite(model.Graph, conv, settings, context, notes);
            if (why is null) rewritten++;
            else if (why is AlreadyGrouped or AlreadyPointwise) ineligible[why] = ineligible.GetValueOrDefault(why) + 1;
            else notes.Add($"{conv.Name}: skipped, {why}");
        }
        // Convs that are already depthwise or 1×1 are the common case in mobile networks; one line
        // each would bury the layers that matter.
        foreach (var (why, count) in ineligible) notes.Add($"{count} conv(s) skipped: {why}");
        return new PassOutcome(rewritten > 0, rewritten, notes);
    }

    public KnobSaving Saves => KnobSaving.Macs;

    /// <summary>Each named standard conv the configuration lets the pass touch, with every rank that saves MACs, highest (mildest) first.</summary>
    public IReadOnlyList<LayerKnob> Knobs(Model model, PassContext context)
    {
        var knobs = new List<LayerKnob>();
        foreach (var conv in model.Graph.Nodes)
        {
            if (conv.Name.Length == 0 || conv.Domain.Length != 0 || conv.OpType != "Conv" || conv.GetInt("group", 1) != 1) continue;
            if (context.SettingsFor(PassName, conv) is null) continue;
            if (conv.Input(1)?.ConstantValue is not { DataType: TensorProto.Types.DataType.Float, Dims.Length: 4 } w) continue;
            if (conv.Input(2) is { ConstantValue: null }) continue;
            int cout = (int)w.Dims[0], cin = (int)w.Dims[1], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
            int k = kh * kw;
            if (k == 1) continue;
            var factorization = new Lazy<ConvFactorization>(() => ConvFactorization.Compute(w.Span<float>(), cout, cin, kh, kw));
            var ladder = Enumerable.Range(1, Math.Min(cout, k)).Where(r => (long)r * (k + cout) < (long)cout * k).OrderDescending()
                .Select(r => new KnobSetting($"rank {r}", new System.Text.Json.Nodes.JsonObject { ["rank"] = r },
                    new LocalChange.ReplacedWeights(new Lazy<float[]>(() => Equivalent(factorization.Value, r))),
                    (double)r * (k + cout) / ((double)cout * k)))
                .ToList();
            if (ladder.Count > 0) knobs.Add(new LayerKnob(conv.Name, PassName, ladder));
        }
        return knobs;
    }

    // The [Cout, Cin, Kh, Kw] weights the depthwise + pointwise pair at rank r computes together.
    private static float[] Equivalent(ConvFactorization f, int rank)
    {
        var (depthwise, pointwise) = f.Factors(rank);
        int k = f.Kh * f.Kw, width = f.Cin * rank;
        var w = new float[f.Cout * f.Cin * k];
        for (int o = 0; o < f.Cout; o++)
            for (int c = 0; c < f.Cin; c++)
                for (int i = 0; i < rank; i++)
                {
                    float p = pointwise[o * width + c * rank + i];
                    if (p == 0) continue;
                    int from = (c * rank + i) * k, to = (o * f.Cin + c) * k;
                    for (int j = 0; j < k; j++) w[to + j] += p * depthwise[from + j];
                }
        return w;
    }

    private const string AlreadyGrouped = "already grouped or depthwise";
    private const string AlreadyPointwise = "already 1×1";

    private static string? TryRewrite(Graph graph, Node conv, RankSettings settings, PassContext context, List<string> notes)
    {
        if (conv.GetInt("group", 1) != 1) return AlreadyGrouped;
        if (conv.Input(1)?.ConstantValue is not { } weight) return "its weights are not constant";
        if (weight.DataType != TensorProto.Types.DataType.Float) return "its weights are not float32";
        if (weight.Dims.Length != 4) return $"only 2-D convs are handled (weights have rank {weight.Dims.Length})";
        int cout = (int)weight.Dims[0], cin = (int)weight.Dims[1], kh = (int)weight.Dims[2], kw = (int)weight.Dims[3];
        if (kh * kw == 1) return AlreadyPointwise;
        var bias = conv.Input(2);
        if (bias is not null && bias.ConstantValue is null) return "its bias is not constant";

        var factorization = ConvFactorization.Compute(weight.Span<float>(), cout, cin, kh, kw);
        int rank = Math.Min(settings.Rank ?? factorization.RankFor(settings.Energy), factorization.MaxRank);
        long before = factorization.OriginalMacsPerPixel, after = factorization.FactorizedMacsPerPixel(rank);
        if (after >= before && settings.Rank is null)
            return $"rank {rank} of {factorization.MaxRank} (energy {factorization.RetainedEnergy(rank):0.####}) would not save MACs ({before} → {after} per output pixel; it pays only below rank {(double)cout * kh * kw / (kh * kw + cout):0.#})";

        // The rank energy picked is recorded: a replay takes it as given, whatever the SVD's last bits on another CPU.
        if (settings.Rank is null && conv.Name.Length > 0) context.Decide(PassName, conv, new System.Text.Json.Nodes.JsonObject { ["rank"] = rank });
        var (depthwise, pointwise) = factorization.Factors(rank);
        string name = conv.Name.Length > 0 ? conv.Name : "conv";
        var dwWeight = graph.AddInitializer(Tensor.FromFloats($"{name}.depthwise.weight", [cin * rank, 1, kh, kw], depthwise));
        var pwWeight = graph.AddInitializer(Tensor.FromFloats($"{name}.pointwise.weight", [cout, cin * rank, 1, 1], pointwise));

        var dw = graph.CreateNode("Conv", [conv.Input(0), dwWeight], name: $"{name}_depthwise", before: conv);
        foreach (var attr in conv.Proto.Attribute)
            if (attr.Name is "strides" or "pads" or "dilations" or "auto_pad") dw.SetAttribute(attr.Clone());
        dw.SetInt("group", cin);
        dw.SetInts("kernel_shape", [kh, kw]);
        dw.Output(0).ElementType = TensorProto.Types.DataType.Float;

        var pwInputs = bias is null ? new[] { dw.Output(0), pwWeight } : [dw.Output(0), pwWeight, bias];
        var pw = graph.CreateNode("Conv", pwInputs, name: $"{name}_pointwise", before: conv);
        pw.SetInts("kernel_shape", [1, 1]);
        var y = conv.Output(0);
        pw.Output(0).ElementType = y.ElementType;
        pw.Output(0).Shape = y.Shape;
        if (y.Shape is { Rank: 4 } s)
            dw.Output(0).Shape = new TensorShape([s[0], Dim.Of(cin * rank), s[2], s[3]]);

        context.TeacherValues.RecordReplacement(y, pw.Output(0));
        graph.ReplaceAllUses(y, pw.Output(0));
        graph.RemoveNode(conv, force: true);
        notes.Add($"{name}: rank {rank} of {factorization.MaxRank} (energy {factorization.RetainedEnergy(rank):0.####}), MACs per output pixel {before} → {after} ({(double)before / after:0.##}×)");
        return null;
    }
}
