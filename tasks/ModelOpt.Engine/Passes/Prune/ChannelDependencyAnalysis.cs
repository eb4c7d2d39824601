using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// Follows every conv's output channels through the graph to find the channel groups and what
/// removing a channel means for each node it reaches. Whatever the walk does not understand
/// blocks the groups that reach it (with the reason), so a pruned graph is always valid.
/// </summary>
internal sealed class ChannelDependencyAnalysis
{
    // Ops that act on each channel separately (element-wise or spatial only): output channel c
    // depends on input channel c alone, so the output has the input's layout.
    private static readonly HashSet<string> ChannelWise = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Softplus",
        "Softsign", "Mish", "Gelu", "Erf", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round",
        "Sign", "Identity", "Dropout", "Cast", "ThresholdedRelu", "Shrink",
    };

    private static readonly HashSet<string> Pooling = new(StringComparer.Ordinal)
    {
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow",
    };

    private readonly ChannelGroups _groups = new();
    private readonly Func<Node, PruneSettings?> _settingsFor;

    private ChannelDependencyAnalysis(Func<Node, PruneSettings?> settingsFor) => _settingsFor = settingsFor;

    /// <param name="settingsFor">A conv's settings; null when the configuration leaves it alone.</param>
    public static ChannelGroups Analyze(Graph graph, Func<Node, PruneSettings?> settingsFor)
    {
        var analysis = new ChannelDependencyAnalysis(settingsFor);
        foreach (var node in graph.Nodes) analysis.Visit(node);
        analysis.BlockEscapes();
        return analysis._groups;
    }

    private ChannelLayout? LayoutOf(Value? v) => v is not null && _groups.Layouts.TryGetValue(v, out var l) ? l : null;

    private void SetLayout(Value? v, ChannelLayout layout)
    {
        if (v is not null) _groups.Layouts[v] = layout;
    }

    private void Visit(Node node)
    {
        if (node.Domain.Length != 0)
        {
            BlockInputs(node, "which is a custom-domain op");
            return;
        }
        switch (node.OpType)
        {
            case "Conv": VisitConv(node); break;
            case "Gemm": VisitLinear(node, node.GetInt("transA", 0) == 0, node.GetInt("transB", 0) != 0 ? 1 : 0); break;
            case "MatMul": VisitLinear(node, true, 0); break;
            case "BatchNormalization": VisitNormalization(node, 5, "its training-mode outputs"); break;
            case "InstanceNormalization": VisitNormalization(node, 3, null); break;
            case "PRelu": VisitBroadcasting(node); break;
            case "Concat": VisitConcat(node); break;
            case "Flatten": VisitFlatten(node); break;
            default:
                if (ChannelWise.Contains(node.OpType)) VisitChannelWise(node, spatial: false);
                else if (Pooling.Contains(node.OpType)) VisitChannelWise(node, spatial: true);
                else if (Broadcasting.Contains(node.OpType)) VisitBroadcasting(node);
                else BlockInputs(node, Why(node.OpType));
                break;
        }
    }

    private static string Why(string opType) => opType switch
    {
        "Reshape" => "which maps channels unpredictably",
        "Transpose" => "which moves the channel axis",
        "Split" or "Slice" or "Gather" or "GatherElements" => "which selects channels by position",
        "Resize" or "Upsample" or "Pad" => "which may act on the channel axis",
        _ => "which the channel analysis does not follow",
    };

    private void BlockInputs(Node node, string why)
    {
        foreach (var input in node.Inputs)
            _groups.Block(LayoutOf(input), $"channels reach {node.OpType} '{node.Name}', {why}");
    }

    private void BlockInputsFrom(Node node, int firstIndex, string why)
    {
        for (int i = firstIndex; i < node.Inputs.Count; i++)
            _groups.Block(LayoutOf(node.Inputs[i]), $"channels reach input {i} of {node.OpType} '{node.Name}', {why}");
    }

    private static Tensor? FloatConstant(Value? v) => v?.ConstantValue is { DataType: TensorProto.Types.DataType.Float } t ? t : null;

    private void VisitConv(Node conv)
    {
        BlockInputsFrom(conv, 1, "a weight or bias computed from pruned channels");
        var x = LayoutOf(conv.Input(0));
        var weight = FloatConstant(conv.Input(1));
        var biasValue = conv.Input(2);
        var bias = FloatConstant(biasValue);
        bool biasOk = biasValue is null || bias is not null;
        long group = conv.GetInt("group", 1);
        if (weight is null || weight.Dims.Length < 3 || !biasOk)
        {
            _groups.Block(x, $"channels reach Conv '{conv.Name}', whose weights or bias are not float32 constants");
            return;
        }
        int cout = (int)weight.Dims[0], cinPerGroup = (int)weight.Dims[1];

        if (group == 1)
        {
            if (x is not null)
            {
                if (x.Flattened || x.Total != cinPerGroup) _groups.Block(x, $"channels reach Conv '{conv.Name}' in a layout it cannot be sliced to");
                else
                    foreach (var (s, offset) in x.WithOffsets())
                        if (!s.IsFixed) _groups.Requests.Add(new SliceRequest(conv, 1, 1, offset, 1, s.Group));
            }
            int g = _groups.Create(conv, cout);
            _groups.Requests.Add(new SliceRequest(conv, 1, 0, 0, 1, g));
            if (bias is not null) _groups.Requests.Add(new SliceRequest(conv, 2, 0, 0, 1, g));
            if (_settingsFor(conv) is { } settings)
            {
                if (settings.RatioGiven) _groups.CapRatio(g, settings.Ratio);
            }
            else _groups.Block(g, $"{conv.Name} is left alone by the configuration");
            SetLayout(conv.Output(0), ChannelLayout.Of(g, cout, weight.Dims.Length));
            return;
        }

        // Depthwise (one filter per channel): it follows its input's channels and passes them on.
        if (x is not null && !x.Flattened && group == x.Total && cout == group && cinPerGroup == 1)
        {
            foreach (var (s, offset) in x.WithOffsets())
            {
                if (s.IsFixed) continue;
                _groups.Requests.Add(new SliceRequest(conv, 1, 0, offset, 1, s.Group));
                if (bias is not null) _groups.Requests.Add(new SliceRequest(conv, 2, 0, offset, 1, s.Group));
            }
            _groups.DepthwiseConvs.Add(conv);
            if (_settingsFor(conv) is null) _groups.Block(x, $"depthwise {conv.Name} is left alone by the configuration");
            SetLayout(conv.Output(0), x);
            return;
        }
        _groups.Block(x, $"channels reach grouped Conv '{conv.Name}' (group {group}), whose groups would no longer divide the channels");
    }

    private void VisitLinear(Node node, bool plainA, int kAxis)
    {
        BlockInputsFrom(node, 1, "a weight computed from pruned channels");
        var x = LayoutOf(node.Input(0));
        if (x is null) return;
        var weight = FloatConstant(node.Input(1));
        if (!plainA || weight is null || weight.Dims.Length != 2 || x.Rank != 2)
        {
            _groups.Block(x, $"channels reach {node.OpType} '{node.Name}' in a form it cannot be sliced to (only a flattened conv output times a constant 2-D weight is)");
            return;
        }
        long k = weight.Dims[kAxis];
        if (k % x.Total != 0)
        {
            _groups.Block(x, $"channels reach {node.OpType} '{node.Name}', whose {k} input features are not a multiple of the {x.Total} channels");
            return;
        }
        int block = (int)(k / x.Total);
        foreach (var (s, offset) in x.WithOffsets())
            if (!s.IsFixed) _groups.Requests.Add(new SliceRequest(node, 1, kAxis, offset, block, s.Group));
    }

    private void VisitNormalization(Node node, int inputCount, string? extraOutputs)
    {
        var x = LayoutOf(node.Input(0));
        BlockInputsFrom(node, 1, "a parameter computed from pruned channels");
        if (x is null) return;
        if (x.Flattened)
        {
            _groups.Block(x, $"channels reach {node.OpType} '{node.Name}' after a Flatten");
            return;
        }
        for (int i = 1; i < inputCount; i++)
        {
            var p = FloatConstant(node.Input(i));
            if (p is null || p.Dims.Length != 1 || p.Dims[0] != x.Total)
            {
                _groups.Block(x, $"channels reach {node.OpType} '{node.Name}', whose input {i} is not a float32 constant of one value per channel");
                return;
            }
        }
        for (int i = 1; i < inputCount; i++)
            foreach (var (s, offset) in x.WithOffsets())
                if (!s.IsFixed) _groups.Requests.Add(new SliceRequest(node, i, 0, offset, 1, s.Group));
        for (int i = 1; i < node.Outputs.Count; i++)
            if (node.Outputs[i] is { } extra && (extra.Uses.Count > 0 || extra.IsGraphOutput))
                _groups.Block(x, $"channels reach {node.OpType} '{node.Name}', whose {extraOutputs ?? "extra outputs"} are used");
        SetLayout(node.Output(0), x);
    }

    private void VisitChannelWise(Node node, bool spatial)
    {
        var x = LayoutOf(node.Input(0));
        BlockInputsFrom(node, 1, "which is not a per-channel operand");
        if (x is null) return;
        if (spatial && x.Flattened)
        {
            _groups.Block(x, $"channels reach {node.OpType} '{node.Name}' after a Flatten");
            return;
        }
        for (int i = 1; i < node.Outputs.Count; i++)
        {
            // Dropout's mask has the input's layout; MaxPool's indices encode channel positions.
            if (node.Outputs[i] is not { } extra || (extra.Uses.Count == 0 && !extra.IsGraphOutput)) continue;
            if (node.OpType == "Dropout") SetLayout(extra, x);
            else _groups.Block(x, $"channels reach {node.OpType} '{node.Name}', whose output {i} is used");
        }
        SetLayout(node.Output(0), x);
    }

    // Add/Mul/… and PRelu: tracked operands are tied channel by channel; constants broadcast over
    // the channel axis are sliced, constants that do not reach it pass unchanged.
    private void VisitBroadcasting(Node node)
    {
        var tracked = node.Inputs.Select(LayoutOf).Where(l => l is not null).Select(l => l!).ToList();
        if (tracked.Count == 0) return;
        var reference = tracked[0];
        string where = $"channels reach {node.OpType} '{node.Name}'";
        void BlockAll(string why)
        {
            foreach (var l in tracked) _groups.Block(l, $"{where}, {why}");
        }

        if (tracked.Any(l => !l.Aligns(reference)))
        {
            BlockAll("which combines tensors whose channels are grouped differently");
            return;
        }
        var constantCuts = new List<(int Input, int Axis, int Block)>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (input is null || LayoutOf(input) is not null) continue;
            var constant = input.ConstantValue;
            if (constant is null)
            {
                BlockAll($"together with '{input.Name}', which the channel analysis does not follow");
                return;
            }
            int rank = constant.Dims.Length;
            if (rank > reference.Rank)
            {
                BlockAll($"with a constant of higher rank than the channels' tensor");
                return;
            }
            int axis = rank - (reference.Rank - 1);
            if (axis < 0 || constant.Dims[axis] == 1) continue; // does not vary along the channel axis
            long dim = constant.Dims[axis];
            if (constant.DataType != TensorProto.Types.DataType.Float || dim % reference.Total != 0 || (!reference.Flattened && dim != reference.Total))
            {
                BlockAll($"with constant '{input.Name}' ({string.Join('x', constant.Dims)}), which is not one float32 value per channel");
                return;
            }
            constantCuts.Add((i, axis, (int)(dim / reference.Total)));
        }

        for (int t = 1; t < tracked.Count; t++)
            foreach (var (a, b) in reference.Segments.Zip(tracked[t].Segments))
            {
                if (a.IsFixed != b.IsFixed) BlockAll("which ties pruned channels to channels that cannot be pruned");
                else if (!a.IsFixed) _groups.Union(a.Group, b.Group);
            }
        foreach (var (input, axis, block) in constantCuts)
            foreach (var (s, offset) in reference.WithOffsets())
                if (!s.IsFixed) _groups.Requests.Add(new SliceRequest(node, input, axis, offset, block, s.Group));
        SetLayout(node.Output(0), reference);
    }

    private void VisitConcat(Node node)
    {
        var layouts = node.Inputs.Select(LayoutOf).ToList();
        var first = layouts.FirstOrDefault(l => l is not null);
        if (first is null) return;
        long axis = node.GetInt("axis", 1);
        if (axis < 0) axis += first.Rank;
        string where = $"channels reach Concat '{node.Name}'";
        void BlockAll(string why)
        {
            foreach (var l in layouts) _groups.Block(l, $"{where}, {why}");
        }
        if (axis != 1 || layouts.Any(l => l is not null && (l.Flattened || l.Rank != first.Rank)))
        {
            BlockAll("which joins along another axis than the channels");
            return;
        }
        var segments = new List<ChannelSegment>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (layouts[i] is { } l) segments.AddRange(l.Segments);
            else if (node.Inputs[i]?.Shape is { } shape && shape.Rank == first.Rank && shape[1].Value is long c)
                segments.Add(new ChannelSegment(ChannelSegment.Fixed, (int)c));
            else
            {
                BlockAll($"together with '{node.Inputs[i]?.Name}', whose channel count is unknown");
                return;
            }
        }
        SetLayout(node.Output(0), new ChannelLayout(segments, first.Rank, false));
    }

    private void VisitFlatten(Node node)
    {
        var x = LayoutOf(node.Input(0));
        if (x is null) return;
        long axis = node.GetInt("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis != 1)
        {
            _groups.Block(x, $"channels reach Flatten '{node.Name}' with axis {axis}, which does not keep the channels together");
            return;
        }
        SetLayout(node.Output(0), x with { Rank = 2, Flattened = x.Flattened || x.Rank > 2 });
    }

    // Graph outputs keep their shape, and a subgraph reading a tensor is not followed.
    private void BlockEscapes()
    {
        foreach (var (value, layout) in _groups.Layouts)
        {
            if (value.IsGraphOutput) _groups.Block(layout, $"channels reach the graph output '{value.Name}'");
            if (value.Uses.Any(u => u.InputIndex < 0)) _groups.Block(layout, $"channels reach a subgraph that reads '{value.Name}'");
        }
    }
}
