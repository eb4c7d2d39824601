using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// <c>quantize</c>: static int8 (QDQ, calibrated), dynamic int8 (MatMul/Gemm) or int4 weight-only
/// (MatMulNBits); in both int8 modes LSTMs become DynamicQuantizeLSTM (<see cref="LstmQuantizer"/>). Run <c>freeze</c> first so BatchNormalization is folded into the convs. Int8 that
/// is slower than fp32 is a known trap, so the pass asks the validation layer for a speed check.
/// </summary>
public sealed class QuantizePass : IStructureKnobProvider
{
    public const string PassName = "quantize";

    public string Name => PassName;

    public Type SettingsType => typeof(QuantizeSettings);

    // Static int8 and GPTQ int4 calibrate; dynamic and round-to-nearest int4 ignore the samples.
    public PassNeeds Needs => PassNeeds.Calibration;

    public string Description => "Quantize to int8 (static QDQ with calibration, or dynamic for MatMul/Gemm) or to int4 weight-only MatMulNBits.";

    public KnobSaving Saves => KnobSaving.Time;

    /// <summary>
    /// Int8 (or int4) or float for each layer the configured mode would rewrite, found by the
    /// quantizers' own selection after their own preparation of <paramref name="model"/>; nodes
    /// without a name cannot be addressed and are left out.
    /// </summary>
    public IReadOnlyList<LayerKnob> Knobs(Model model, PassContext context)
    {
        var settings = context.Settings<QuantizeSettings>(PassName);
        // As Run does: a float16 model's convs are targets only in its float32 form.
        WidenFloat16(model, []);
        // The dynamic step beside static leaves its output float (what static adds over it is the output's
        // rounding); dynamic mode's own ranking is left as it was, the output's range standing in for the
        // rounding its consumers add.
        var dynamicChange = new LocalChange.Quantized(8, 8, settings.PerChannel, RoundsOutput: false);
        var (nodes, change, label) = settings.Mode switch
        {
            QuantizeMode.Static => (StaticQuantizer.Targets(model, context, settings), new LocalChange.Quantized(8, 8, settings.PerChannel), "int8"),
            QuantizeMode.Dynamic => ((IReadOnlyList<Node>)DynamicQuantizer.Targets(model, context, settings), new LocalChange.Quantized(8, 8, settings.PerChannel), "int8"),
            _ => (Int4Quantizer.Targets(model, context, settings), new LocalChange.Quantized(0, 4, true), "int4"),
        };
        // The LSTMs' int8 form is a knob of its own: a recurrent layer's rounding can add up over a stream.
        if (settings.Mode != QuantizeMode.Int4) nodes = [.. nodes, .. LstmQuantizer.Targets(model, context, settings)];
        return nodes.Where(n => n.Name.Length > 0)
            .Select(n => new LayerKnob(n.Name, PassName, Ladder(n, settings, change, dynamicChange, label)))
            .ToList();
    }

    /// <summary>
    /// One int8 setting; in static mode a MatMul/Gemm the user left to choose has two, dynamic int8
    /// first (its input's range taken at run time and its output left float: the milder rounding), then
    /// static as its <see cref="KnobSetting.Alternative"/>: no more MACs saved, so the search takes it
    /// only where it keeps the budgets and times faster than dynamic.
    /// </summary>
    private static IReadOnlyList<KnobSetting> Ladder(Node node, QuantizeSettings settings, LocalChange change, LocalChange dynamicChange, string label)
    {
        var own = new KnobSetting(label, new System.Text.Json.Nodes.JsonObject(), change);
        if (settings.Mode != QuantizeMode.Static || settings.DynamicMatMul is not null || !DynamicQuantizer.IsCandidate(node)) return [own];
        var dynamic = new KnobSetting("dynamic int8", new System.Text.Json.Nodes.JsonObject { ["dynamicMatMul"] = true }, dynamicChange);
        return [dynamic, own with { Label = "static int8", Alternative = true }];
    }

    /// <summary>Static int8's layout choices (<see cref="StaticQuantizer.StructureKnobs"/>); none for the other modes.</summary>
    public IReadOnlyList<StructureKnob> StructureKnobs(Model model, PassContext context)
    {
        var settings = context.Settings<QuantizeSettings>(PassName);
        if (settings.Mode != QuantizeMode.Static) return [];
        WidenFloat16(model, []);
        return StaticQuantizer.StructureKnobs(model, context, settings);
    }

    public PassOutcome Run(Model model, PassContext context)
    {
        var settings = context.Settings<QuantizeSettings>(PassName);
        if (model.Graph.AllNodes().Any(n => n.OpType == "BatchNormalization"))
            context.Note("quantize: the model still has BatchNormalization; run 'freeze' first so it is folded into the convs before quantizing.");
        var notes = new List<string>();
        WidenFloat16(model, notes);
        string? skipped = null;
        int touched = settings.Mode switch
        {
            QuantizeMode.Static => StaticQuantizer.Run(model, context, settings, notes, out skipped)
                + DynamicQuantizer.Run(model, context, settings, notes, node => StaticQuantizer.IsDynamic(node, context)),
            QuantizeMode.Dynamic => DynamicQuantizer.Run(model, context, settings, notes),
            _ => Int4Quantizer.Run(model, context, settings, notes),
        };
        // An LSTM has one int8 form whatever the mode: weights int8, inputs quantized as it runs.
        if (settings.Mode != QuantizeMode.Int4) touched += LstmQuantizer.Run(model, context, settings, notes);
        if (touched > 0 && settings.Mode != QuantizeMode.Int4)
            context.RequireCheck(new RequiredCheck(PassName, RequiredCheckKind.FasterThanOriginal, settings.AllowSlower, settings.Required));
        if (touched == 0 && skipped is not null)
        {
            if (settings.Required)
                throw new Diagnostics.ModelOptException(Diagnostics.ErrorCode.OpsetNotRaised, context.Config.SourcePath ?? context.ModelDisplayName,
                    $"'quantize' is required (\"required\": true) but cannot run on this model: {skipped}.");
            return PassOutcome.SkippedBecause(skipped, notes);
        }
        return new PassOutcome(touched > 0, touched, notes);
    }

    /// <summary>
    /// A model published in float16 is quantized from its float32 form: the int8 kernels read float32
    /// scales and the ops left float run faster in float32 on the CPU than through per-node Casts.
    /// </summary>
    private static void WidenFloat16(Model model, List<string> notes)
    {
        var graph = model.Graph;
        if (!graph.Nodes.Any(StaticQuantizer.ReadsFloat16Weights)) return;
        var result = Fp16.Float32Widening.Run(graph, out string? refusal);
        notes.Add(result is null
            ? $"float16 weights left as they are: {refusal}"
            : $"float16 model quantized from float32: {result.Summary}");
    }
}
