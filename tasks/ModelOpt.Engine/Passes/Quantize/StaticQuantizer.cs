using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Static int8 in QDQ form: calibrated Q→DQ on the inputs AND outputs of every quantizable node
/// (a conv whose output stays float makes ORT convert back and forth and run slower than fp32),
/// symmetric int8 weights per output channel, int32 biases. A ReLU/Clip(0, …) after a quantized
/// node is dropped when its output's range starts at 0: the quantization clamps exactly as it did.
/// </summary>
public static class StaticQuantizer
{
    /// <summary>Ops ORT's QDQ fusion turns into integer kernels when their activations are quantized.</summary>
    private static readonly HashSet<string> ActivationOps = new(StringComparer.Ordinal)
    {
        "Add", "Mul", "Concat", "MaxPool", "AveragePool", "GlobalAveragePool", "Sigmoid", "LeakyRelu",
    };

    /// <param name="skipped">Why the pass could not run at all (the model's opset cannot be raised to one with QuantizeLinear); null otherwise.</param>
    public static int Run(Model model, PassContext context, QuantizeSettings settings, List<string> notes, out string? skipped)
    {
        skipped = null;
        var graph = model.Graph;
        string file = context.Config.SourcePath ?? context.ModelDisplayName;
        // A replayed plan brings its ranges; only bias correction still reads the calibration stream.
        bool replay = context.RecordedQuantization is not null;
        var source = context.Calibration;
        if (source is null && (!replay || settings.BiasCorrection))
            throw new ModelOptException(ErrorCode.InvalidConfig, file,
                "'quantize' in mode 'static' needs calibration samples ('calibration' in the config, or synthetic samples from the tool).");
        if (source is { IsSynthetic: true } && !replay)
            notes.Add($"warning: calibrated on {source.Description}; real samples give better ranges (set 'calibration.data').");

        if (Prepare(model, context, settings, notes, out skipped) is not { } perChannel) return 0;
        var targets = SelectTargets(graph, context, settings, notes);
        if (targets.Count == 0) return 0;
        return Quantize(model, context, settings, notes, targets, perChannel);
    }

    /// <summary>
    /// The nodes <see cref="Run"/> would quantize, after the same preparation of <paramref name="model"/>
    /// (a copy the caller owns): the accuracy-aware search's int8 knobs, so they cannot drift from the pass.
    /// </summary>
    public static IReadOnlyList<Node> Targets(Model model, PassContext context, QuantizeSettings settings)
    {
        var notes = new List<string>();
        if (Prepare(model, context, settings, notes, out _) is null) return [];
        return SelectTargets(model.Graph, context, settings, notes);
    }

    // Rewrites that make the graph quantizable; null when it cannot be (opset below 10), else whether weights go per channel.
    private static bool? Prepare(Model model, PassContext context, QuantizeSettings settings, List<string> notes, out string? skipped)
    {
        skipped = null;
        var graph = model.Graph;
        int moved = ConstantsToInitializers.Run(graph);
        if (moved > 0) notes.Add($"{moved} Constant nodes turned into initializers");
        bool perChannel = settings.PerChannel;
        if (OpsetUpgrade.RaiseTo13(model, context.Bindings) is { } conversion)
        {
            if (conversion.Raised) notes.Add(conversion.Describe());
            else if ((model.OpsetVersion() ?? 1) < OpsetUpgrade.QuantizeLinearOpset)
            {
                // QuantizeLinear does not exist before opset 10: the pass cannot run at all.
                skipped = $"QuantizeLinear needs opset {OpsetUpgrade.QuantizeLinearOpset} and the model is at opset {model.OpsetVersion()}; {conversion.Refusal}";
                return null;
            }
            else if (perChannel)
            {
                notes.Add($"weights quantized per tensor, not per channel (per-channel needs opset {OpsetUpgrade.PerChannelOpset}): {conversion.Refusal}");
                perChannel = false;
            }
        }
        int affine = ConvAffineFolding.Run(graph);
        if (affine > 0) notes.Add($"{affine} constant Mul/Add after convs folded into their weights and biases");
        int swish = HardSwishRewrite.Run(model);
        if (swish > 0) notes.Add($"{swish} hard-swish chains (Add, Clip, Mul, Div) rewritten as {((model.OpsetVersion() ?? 1) >= 14 ? "HardSwish" : "x·HardSigmoid(x)")}");
        graph.SortTopologically();
        // Element types decide what is an activation (a Concat of shape vectors is not); generated models may lack them.
        Shapes.ShapeInference.Run(model, context.Bindings);
        // Needs element types (only float activations qualify). Only with integer hard-swish, which it
        // unlocks (a hard-swish must feed Q directly): alone it is speed-neutral within noise and moves
        // det's cosine at 160 from ≥ 0.99 to 0.989 by a different rounding grid (measured, docs/benchmarks.md).
        int intoConvs = IntegerHardSwish(graph, context, settings) is not null ? AffineIntoConvs.Run(graph) : 0;
        if (intoConvs > 0) notes.Add($"{intoConvs} scalar Mul/Add folded into the unpadded convs that read them");
        return perChannel;
    }

    /// <param name="given">Ranges already calibrated (a candidate of <c>"calibration": "auto"</c>); null: calibrate.</param>
    private static int Quantize(Model model, PassContext context, QuantizeSettings settings, List<string> notes, List<Node> targets, bool perChannel,
        Dictionary<string, TensorRange>? given = null)
    {
        var graph = model.Graph;
        var source = context.Calibration;
        var recorded = given is null ? context.RecordedQuantization : null;
        var (tensors, folded) = Plan(targets, settings);
        var seen = new HashSet<Value>(tensors);

        var means = settings.BiasCorrection
            ? new ChannelMeans(targets.Where(n => n.OpType == "Conv" && IsWeighted(n)).Select(n => n.Input(0)!.Name))
            : null;
        var names = tensors.Select(t => t.Name).ToArray();
        Dictionary<string, TensorRange> ranges;
        string rule = settings.Calibration == CalibrationMethod.Percentile ? $"percentile {settings.Percentile}" : settings.Calibration.ToString().ToLowerInvariant();
        if (given is not null) ranges = given;
        else if (recorded is not null)
        {
            ranges = RecordedQuantization.Ranges(recorded, graph, names, context.RecordedSource ?? context.ModelDisplayName);
            rule = recorded.Calibration;
            // Bias correction's channel means come from the calibration stream even on replay.
            if (means is not null) _ = ActivationCalibrator.Ranges(model, names, source!, settings, means);
            notes.Add($"calibration: {names.Length} ranges, scales and zero points replayed from {context.RecordedSource ?? "the plan"} ({recorded.Calibration}); nothing calibrated");
        }
        else if (settings.Calibration == CalibrationMethod.Auto)
        {
            // The rule is chosen with every layer the pass may take in int8, whichever of them this
            // run keeps float (a search trial): it is a property of the model's activations.
            var every = Plan(SelectTargets(graph, context, settings, [], everyLayer: true), settings).Tensors.Select(t => t.Name).ToArray();
            var choice = CalibrationChoice.Choose(model, every, source!, means, candidate => QuantizedCopy(model, context, settings, perChannel, candidate));
            notes.Add(choice.Note);
            ranges = choice.Ranges;
            rule = choice.Rule;
        }
        else ranges = ActivationCalibrator.Ranges(model, names, source!, settings, means);
        var weightRange = WeightRange.For(settings.ReduceRange, context.DeployCpu);
        var qdq = new QdqBuilder(graph, settings.ActivationsSigned, weightRange);
        var parameters = new Dictionary<Value, QuantParams>();
        var absorbed = new Dictionary<Value, AffineAbsorption.Plan>();
        foreach (var t in tensors)
        {
            if (!ranges.TryGetValue(t.Name, out var range)) continue;   // not a float tensor, or never computed
            // Hard-swish is 0 for every x ≤ −3: a range reaching further below spends steps on values it maps to the same 0.
            if (!settings.Symmetric && range.Min < -3 && OnlyHardSwishReads(t)) range = range with { Min = -3 };
            var p = QuantizationMath.ForActivation(range, settings.ActivationsSigned, settings.Symmetric);
            if (!settings.Symmetric && !folded.ContainsKey(t) && AffineAbsorption.TryPlan(t, range, settings.ActivationsSigned) is { } plan
                && !seen.Contains(plan.Source) && plan.Absorbed.All(n => !targets.Contains(n)))
            {
                absorbed[t] = plan;
                p = plan.Dequantize;
            }
            parameters[t] = p;
        }

        // Resize only moves values (nearest) or averages neighbours (linear), MaxPool picks some: the
        // output in the input's quantization is exact, and ORT then drops the DQ/Q pair around it and
        // runs it on uint8. With a scale of its own (a percentile of the pooled values differs from the
        // input's) ORT pools in float between a DQ and a Q, single-threaded: 9 % of ISNet's int8 run.
        // In graph order, so a pool after a Resize takes what the Resize took.
        foreach (var mover in targets.Where(n => IsResize(n) || IsMaxPool(n)))
            if (parameters.TryGetValue(mover.Input(0)!, out var p) && parameters.ContainsKey(mover.Output(0))) parameters[mover.Output(0)] = p;

        if (recorded is not null)
            RecordedQuantization.Apply(recorded, parameters, absorbed.Keys, settings.ActivationsSigned, context.RecordedSource ?? context.ModelDisplayName);
        if (given is null)
            context.Quantization = new Engine.Plan.QuantizationPlan(rule, weightRange.PairSafe,
                tensors.Where(parameters.ContainsKey).Select(t => new Engine.Plan.QuantizedTensor(t.Name, ranges[t.Name].Min, ranges[t.Name].Max, parameters[t].Scale, parameters[t].ZeroPoint)).ToList());

        // Weights first: they need the input scales, and input values are renamed by the activation Q/DQ.
        int touched = 0, corrected = 0;
        foreach (var node in targets)
        {
            var shift = means is not null && node.OpType == "Conv" && IsWeighted(node) && means.Mean(node.Input(0)!.Name) is { } mean
                ? BiasCorrection.Shift(node, mean, perChannel, weightRange) : null;
            if (shift is not null && BiasCorrection.Apply(graph, node, shift)) corrected++;
            if (QuantizeWeights(graph, node, qdq, parameters, perChannel)) touched++;
        }
        if (corrected > 0) notes.Add($"bias correction: {corrected} convs' biases shifted by −(W_q − W)·E[x] from the calibration means");
        foreach (var t in tensors)
        {
            if (!parameters.TryGetValue(t, out var p)) continue;
            if (folded.TryGetValue(t, out var act))
            {
                // Q reads the activation's input directly; the activation is then dead.
                qdq.QuantizeActivation(t, act.Input(0)!, p);
                if (t.Uses.Count == 0 && !t.IsGraphOutput) graph.RemoveNode(act);
            }
            else if (absorbed.TryGetValue(t, out var plan))
            {
                // Q reads h of y = c·h + b; the Mul/Add computing y are then dead.
                qdq.QuantizeActivation(t, plan.Source, p, plan.Quantize);
                foreach (var node in plan.Absorbed)
                    if (node.Outputs.All(o => o is null || (o.Uses.Count == 0 && !o.IsGraphOutput))) graph.RemoveNode(node);
            }
            else qdq.QuantizeActivation(t, t, p);
        }
        if (IntegerHardSwish(graph, context, settings) is { } integerSwish && QuantizedHardSwish.Run(graph, integerSwish) is > 0 and var swishes)
            notes.Add($"{swishes} HardSwish between quantized ops written as QLinearAdd + QLinearMul patterns (Q saturation is the clip)");
        notes.Add($"quantized {targets.Count} nodes ({string.Join(", ", targets.GroupBy(n => n.OpType).Select(g => $"{g.Count()} {g.Key}"))}); " +
            $"{parameters.Count} activations as {(settings.ActivationsSigned ? "int8" : "uint8")} ({settings.Calibration}), weights int8 {(perChannel ? "per channel" : "per tensor")}{weightRange.Note}; {folded.Count} ReLU/Clip folded into the quantization; {absorbed.Count} scalar Mul/Add absorbed into QuantizeLinear's scale and zero point");
        return Math.Max(touched, targets.Count);
    }

    /// <summary>
    /// Which HardSwish nodes are written as integer ops: every one with <c>integerHardSwish</c>, else
    /// those whose per-node settings ask for it (the search's structure knob); null when none may be.
    /// </summary>
    private static Func<Node, bool>? IntegerHardSwish(Graph graph, PassContext context, QuantizeSettings settings)
    {
        if (settings.IntegerHardSwish) return _ => true;
        bool Asked(Node n) => n.OpType == "HardSwish" && n.Domain.Length == 0 && context.Settings<QuantizeSettings>(QuantizePass.PassName, n)?.IntegerHardSwish == true;
        return graph.Nodes.Any(Asked) ? Asked : null;
    }

    /// <summary>
    /// The layout choices the search weighs for static int8 on <paramref name="model"/> (prepared here
    /// as <see cref="Run"/> prepares it), each only where the user's settings leave it open: the first
    /// layer kept float (it reads the raw input, and its rounding is carried through every layer
    /// after: ResNet-18's worst photo goes from cosine 0.977 to 0.991 with it float), the stem kept
    /// float where it is more than that layer (PP-OCRv4 det's documented layout), and hard-swish
    /// between int8 layers as integer ops instead of a float island.
    /// </summary>
    public static IReadOnlyList<Knobs.StructureKnob> StructureKnobs(Model model, PassContext context, QuantizeSettings settings)
    {
        var notes = new List<string>();
        if (Prepare(model, context, settings, notes, out _) is null) return [];
        var graph = model.Graph;
        var targets = SelectTargets(graph, context, settings, notes, everyLayer: true).Where(n => n.Name.Length > 0).ToHashSet();
        var knobs = new List<Knobs.StructureKnob>();
        string pass = QuantizePass.PassName;
        if (settings.KeepFloat.Count == 0)
        {
            var first = graph.Nodes.FirstOrDefault(IsWeighted);
            if (first is not null && targets.Contains(first))
                knobs.Add(new("keep the first layer float", pass, Knobs.StructureGain.Fidelity, [first.Name], [], []));
            var stem = Stem(graph).Where(targets.Contains).Select(n => n.Name).ToList();
            if (stem.Count > 1)
                knobs.Add(new($"keep the stem float ({stem.Count} convs)", pass, Knobs.StructureGain.Fidelity, stem, [], []));
        }
        if (!settings.IntegerHardSwish)
        {
            // Only a hard-swish next to int8 layers: elsewhere there is no Q/DQ for it to join.
            var swishes = graph.Nodes.Where(n => n.OpType == "HardSwish" && n.Domain.Length == 0 && n.Name.Length > 0
                && (n.Input(0)?.Producer is { } p && targets.Contains(p) || n.Output(0).Uses.Any(u => targets.Contains(u.Node)))).Select(n => n.Name).ToList();
            if (swishes.Count > 0)
                knobs.Add(new($"integer hard-swish ({swishes.Count})", pass, Knobs.StructureGain.Speed, [], swishes, new System.Text.Json.Nodes.JsonObject { ["integerHardSwish"] = true }));
        }
        return knobs;
    }

    /// <summary>The tensors quantized around <paramref name="targets"/>: each input, and each output or the ReLU/Clip after it that the quantization replaces.</summary>
    private static (List<Value> Tensors, Dictionary<Value, Node> Folded) Plan(IEnumerable<Node> targets, QuantizeSettings settings)
    {
        bool canFold = !settings.Symmetric;
        var folded = new Dictionary<Value, Node>();
        var tensors = new List<Value>();
        var seen = new HashSet<Value>();
        void Want(Value v)
        {
            if (seen.Add(v)) tensors.Add(v);
        }
        foreach (var node in targets)
        {
            foreach (var input in ActivationInputs(node)) Want(input);
            var y = node.Output(0);
            if (canFold && FoldableActivation(y) is { } act)
            {
                folded[act.Output(0)] = act;
                Want(act.Output(0));
            }
            else Want(y);
        }
        return (tensors, folded);
    }

    // The model as this pass would leave it with every layer it may take and the given ranges, on a copy: a candidate for "auto".
    private static Model QuantizedCopy(Model model, PassContext context, QuantizeSettings settings, bool perChannel, Dictionary<string, TensorRange> ranges)
    {
        var copy = IO.ModelCopy.Of(model);
        var scratch = new List<string>();
        Shapes.ShapeInference.Run(copy, context.Bindings);
        Quantize(copy, context, settings with { BiasCorrection = false }, scratch, SelectTargets(copy.Graph, context, settings, scratch, everyLayer: true), perChannel, ranges);
        return copy;
    }

    /// <param name="everyLayer">Ignore per-node settings that keep a layer float (a search trial's); the configuration's exclusions still hold.</param>
    private static List<Node> SelectTargets(Graph graph, PassContext context, QuantizeSettings settings, List<string> notes, bool everyLayer = false)
    {
        var weighted = graph.Nodes.Where(IsWeighted).ToList();
        var keep = new HashSet<Node>();
        if (settings.KeepFirst && weighted.Count > 0) keep.Add(weighted[0]);
        if (settings.KeepLast && weighted.Count > 0) keep.Add(weighted[^1]);
        var stem = settings.KeepStem ? Stem(graph) : [];
        var targets = new List<Node>();
        foreach (var node in graph.Nodes)
        {
            if (!IsCandidate(node)) continue;
            if (!everyLayer && context.SettingsFor(QuantizePass.PassName, node) is null || settings.Excludes(node))
                notes.Add($"{node.Name}: kept float by the configuration");
            else if (!everyLayer && IsDynamic(node, context))
                notes.Add($"{node.Name}: dynamic int8 (\"dynamicMatMul\")");
            else if (keep.Contains(node))
                notes.Add($"{node.Name}: kept float ({(node == weighted[0] ? "first" : "last")} layer)");
            else if (settings.KeepDepthwise && IsDepthwise(node))
                notes.Add($"{node.Name}: kept float (depthwise)");
            else if (stem.Contains(node))
                notes.Add($"{node.Name}: kept float (stem)");
            else targets.Add(node);
        }
        targets = DropIsolated(targets, notes);
        foreach (var group in graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType is "Conv" or "ConvTranspose" && !IsCandidate(n)).GroupBy(WhyNotQuantizable))
        {
            var names = group.Select(n => n.Name).ToList();
            notes.Add($"{names.Count} {group.First().OpType}(s) left float: {group.Key} ({string.Join(", ", names.Take(5))}{(names.Count > 5 ? $", … {names.Count - 5} more" : "")})");
        }
        return targets;
    }

    // Ops that pass a quantized tensor on unchanged in meaning: int8 flows through them to the next target.
    private static readonly HashSet<string> Transparent = new(StringComparer.Ordinal)
    {
        "Relu", "Clip", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity",
    };

    /// <summary>
    /// Leaves float the ops without weights (Add, Concat, Sigmoid, Resize, …) that no quantized
    /// layer reaches through other targets or shape-only ops: int8 there only rounds, with no
    /// integer kernel before or after to gain from it. Silero VAD showed the cost: the Add of its
    /// STFT power spectrum and the Concat that forms its carried LSTM state, quantized alone,
    /// took the output cosine from 0.996 to 0.972 (the state's rounding accumulates frame after frame).
    /// </summary>
    private static List<Node> DropIsolated(List<Node> targets, List<string> notes)
    {
        var set = new HashSet<Node>(targets);
        var reached = new HashSet<Node>();
        var queue = new Queue<Node>(targets.Where(IsWeighted));
        foreach (var n in queue) reached.Add(n);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            var neighbours = node.Inputs.Select(i => i?.Producer).OfType<Node>()
                .Concat(node.Outputs.Where(o => o is not null).SelectMany(o => o!.Uses).Where(u => u.InputIndex >= 0).Select(u => u.Node));
            foreach (var next in neighbours)
                if ((set.Contains(next) || next.Domain.Length == 0 && Transparent.Contains(next.OpType)) && reached.Add(next)) queue.Enqueue(next);
        }
        var isolated = targets.Where(n => !reached.Contains(n)).ToList();
        if (isolated.Count == 0) return targets;
        notes.Add($"{isolated.Count} op(s) without weights left float, no quantized layer next to them (int8 there would only round): {string.Join(", ", isolated.Take(5).Select(n => $"{n.OpType} '{n.Name}'"))}{(isolated.Count > 5 ? $", … {isolated.Count - 5} more" : "")}");
        return targets.Where(reached.Contains).ToList();
    }

    /// <summary>Why a conv is no candidate, in words the user can act on.</summary>
    private static string WhyNotQuantizable(Node conv)
    {
        if (conv.OpType == "ConvTranspose") return "ConvTranspose has no QDQ int8 kernel in ONNX Runtime's CPU provider";
        if (conv.Input(1) is not { } w) return "it has no weight input";
        if (w.ConstantValue is not { } weights)
            return w.Producer is { OpType: "DequantizeLinear" } ? "its weights are already quantized (DequantizeLinear)"
                : w.Producer is { OpType: "Cast" } ? "its weights are computed by a Cast at run time (run 'freeze' to fold it)"
                : "its weights are computed at run time, not constant";
        if (weights.DataType != TensorProto.Types.DataType.Float) return $"its weights are {DataTypes.Name(weights.DataType)}, not float32";
        if (weights.Dims.Length < 3) return $"its weights have rank {weights.Dims.Length}";
        if (!Optional(conv.Input(2))) return "its bias is not a constant float32";
        if (conv.Input(0) is { ElementType: not TensorProto.Types.DataType.Float } x) return $"its input is {DataTypes.Name(x.ElementType)}, not float32";
        return "not a quantizable conv";
    }

    /// <summary>A Conv/Gemm/MatMul whose weights are float16 constants, directly or through a Cast.</summary>
    internal static bool ReadsFloat16Weights(Node node) =>
        node.Domain.Length == 0 && node.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul"
        && node.Input(1) is { } w
        && (w.ConstantValue?.DataType == TensorProto.Types.DataType.Float16
            || w.Producer is { OpType: "Cast" } cast && cast.Input(0)?.ConstantValue?.DataType == TensorProto.Types.DataType.Float16);

    /// <summary>
    /// The convs of the stem: in graph order from the first conv, every conv until the first whose
    /// output is downsampled more than 4× from the input (by the strides of the convs and pools on
    /// its way; no shapes needed, so it works for dynamic image sizes). These run at the highest
    /// resolutions, where int8 rounding errors add up across layers and where int8 kernels gain
    /// least (PP-OCRv4 det: keeping its 7 stem convs float took the held-out cosine from 0.983 to
    /// 0.995 at no loss of speed — docs/benchmarks.md).
    /// </summary>
    internal static HashSet<Node> Stem(Graph graph)
    {
        var stem = new HashSet<Node>();
        var scale = new Dictionary<Value, long>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            long inputScale = node.Inputs.Where(v => v is not null && v.Initializer is null).Select(v => scale.GetValueOrDefault(v!, 1)).DefaultIfEmpty(1).Max();
            long outputScale = node.OpType switch
            {
                "Conv" or "MaxPool" or "AveragePool" or "LpPool" => inputScale * Math.Max(1, (node.GetInts("strides") ?? [1]).Max()),
                "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" => long.MaxValue / 2,
                _ => inputScale,
            };
            foreach (var output in node.Outputs)
                if (output is not null) scale[output] = outputScale;
            if (node.Domain.Length != 0 || node.OpType != "Conv") continue;
            if (outputScale > 4) break;
            stem.Add(node);
        }
        return stem;
    }

    /// <summary>x·HardSigmoid(x) or x·Clip(x + 3, 0, 6): one elementwise function of x, not a product of two activations.</summary>
    private static bool IsHardSwishProduct(Node node) =>
        node.OpType == "Mul" && node.Inputs.Count == 2 && node.Input(0) is { } a && node.Input(1) is { } b
        && (GatedBy(a, b) || GatedBy(b, a));

    /// <summary>Every reader of <paramref name="x"/> is hard-swish of it: HardSwish, or x·HardSigmoid(x) with alpha 1/6, beta 1/2.</summary>
    private static bool OnlyHardSwishReads(Value x)
    {
        if (x.IsGraphOutput || x.Uses.Count == 0) return false;
        foreach (var (node, _) in x.Uses)
        {
            bool ok = node.Domain.Length == 0 && node.OpType switch
            {
                "HardSwish" => true,
                "HardSigmoid" => MathF.Abs(node.GetFloat("alpha", 0.2f) - 1f / 6) < 1e-6f && node.GetFloat("beta", 0.5f) == 0.5f
                    && node.Output(0).Uses.All(u => u.Node.OpType == "Mul" && u.Node.Inputs.Contains(x)),
                "Mul" => IsHardSwishProduct(node),
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static bool GatedBy(Value x, Value gate) =>
        gate.Producer is { OpType: "HardSigmoid" or "Clip" } g && (g.Input(0) == x || g.Input(0)?.Producer is { OpType: "Add" } add && add.Inputs.Contains(x));

    /// <summary>A Resize of a float activation by constant scales or sizes: ORT runs it on uint8 when both sides share one quantization.</summary>
    private static bool IsResize(Node node) =>
        node.OpType == "Resize" && node.Domain.Length == 0 && node.Input(0) is { ConstantValue: null, ElementType: TensorProto.Types.DataType.Float }
        && node.Inputs.Skip(1).All(i => i is null || i.ConstantValue is not null);

    /// <summary>A MaxPool with no Indices output: each output value is one of its input's.</summary>
    private static bool IsMaxPool(Node node) =>
        node.OpType == "MaxPool" && node.Domain.Length == 0 && node.Outputs.Skip(1).All(o => o is null || o.Uses.Count == 0 && !o.IsGraphOutput);

    /// <summary>A node static int8 would quantize unless the configuration keeps it float (element types must be known).</summary>
    /// <remarks>Not hard-swish's product: a float island between quantized ops either way, quantizing it adds a Q/DQ pair.</remarks>
    /// <summary>A MatMul/Gemm this run makes dynamic int8 instead (<see cref="QuantizeSettings.DynamicMatMul"/>, globally or for the node).</summary>
    internal static bool IsDynamic(Node node, PassContext context) =>
        DynamicQuantizer.IsCandidate(node) && context.Settings<QuantizeSettings>(QuantizePass.PassName, node)?.DynamicMatMul == true;

    internal static bool IsCandidate(Node node) =>
        (IsWeighted(node) || IsResize(node) || (node.Domain.Length == 0 && ActivationOps.Contains(node.OpType) && node.Inputs.All(i => i is not null && i.ConstantValue is null && i.ElementType == TensorProto.Types.DataType.Float)))
        && !IsHardSwishProduct(node);

    internal static bool IsWeighted(Node node)
    {
        if (node.Domain.Length != 0) return false;
        return node.OpType switch
        {
            "Conv" => node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: >= 3 } && Optional(node.Input(2)),
            "Gemm" => node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 } && Optional(node.Input(2)),
            "MatMul" => node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 },
            _ => false,
        };
    }

    private static bool Optional(Value? v) => v is null || v.ConstantValue is { DataType: TensorProto.Types.DataType.Float };

    internal static bool IsDepthwise(Node node) =>
        node.OpType == "Conv" && node.GetInt("group", 1) is > 1 and var g && node.Input(1)?.ConstantValue is { } w && w.Dims[1] == 1 && w.Dims[0] % g == 0;

    /// <summary>The non-constant float inputs a node reads (for weighted nodes: the data input only).</summary>
    private static List<Value> ActivationInputs(Node node)
    {
        if (IsWeighted(node)) return node.Input(0) is { } x ? [x] : [];
        if (IsResize(node)) return [node.Input(0)!];
        return node.Inputs.Where(i => i is not null && i.ConstantValue is null && i.ElementType == TensorProto.Types.DataType.Float).Select(i => i!).ToList();
    }

    /// <summary>A ReLU (or Clip with min 0) that alone reads <paramref name="y"/>: quantizing its output with zero point at the minimum clamps the same way.</summary>
    private static Node? FoldableActivation(Value y)
    {
        if (y.IsGraphOutput || y.Uses.Count != 1) return null;
        var reader = y.Uses[0].Node;
        if (reader.Domain.Length != 0) return null;
        if (reader.OpType == "Relu") return reader;
        if (reader.OpType == "Clip")
        {
            float? min = reader.Inputs.Count > 1 && reader.Input(1) is { } m
                ? m.ConstantValue is { ElementCount: 1 } t ? t.ToFloats()[0] : null
                : reader.Attribute("min") is { } a ? a.F : null;
            return min == 0 ? reader : null;
        }
        return null;
    }

    private static bool QuantizeWeights(Graph graph, Node node, QdqBuilder qdq, Dictionary<Value, QuantParams> parameters, bool perChannel)
    {
        if (!IsWeighted(node)) return false;
        var weight = node.Input(1)!;
        var values = weight.ConstantValue!;
        int? axis = !perChannel ? null : node.OpType switch
        {
            "Conv" => 0,
            "Gemm" => node.GetInt("transB", 0) == 1 ? 0 : 1,
            _ => 1,
        };
        bool kAlongRows = node.OpType != "Conv" && !(node.OpType == "Gemm" && node.GetInt("transB", 0) == 1);
        var (dq, scales) = qdq.QuantizeWeight(weight, values, axis, kAlongRows);
        node.SetInput(1, dq);
        if (node.OpType is "Conv" or "Gemm" && node.Input(2) is { } bias && bias.ConstantValue is { } b && b.Dims.Length == 1
            && node.Input(0) is { } x && parameters.TryGetValue(x, out var xp)
            && (node.OpType == "Conv" || (node.GetFloat("alpha", 1) == 1 && node.GetFloat("beta", 1) == 1 && b.Dims[0] == values.Dims[node.GetInt("transB", 0) == 1 ? 0 : 1])))
        {
            node.SetInput(2, qdq.QuantizeBias(bias, b, xp.Scale, scales));
        }
        return true;
    }
}
