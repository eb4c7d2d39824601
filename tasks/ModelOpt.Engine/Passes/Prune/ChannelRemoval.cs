using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// Applies a pruning decision: every constant a removed channel touches is replaced by a smaller
/// copy (filters, input channels, biases, BatchNormalization parameters, per-channel constants,
/// Gemm feature blocks), depthwise convs get their new <c>group</c>, and stored shapes follow.
/// </summary>
internal static class ChannelRemoval
{
    /// <summary>Returns the number of nodes whose constants were replaced.</summary>
    public static int Apply(Graph graph, ChannelGroups groups, IReadOnlyDictionary<int, bool[]> keep)
    {
        var cuts = new Dictionary<(Node Node, int Input), bool[]?[]>();
        foreach (var request in groups.Requests)
        {
            if (!keep.TryGetValue(groups.Find(request.Group), out var mask) || mask.All(k => k)) continue;
            var tensor = request.Node.Input(request.Input)!.ConstantValue!;
            if (!cuts.TryGetValue((request.Node, request.Input), out var axes))
                cuts[(request.Node, request.Input)] = axes = new bool[]?[tensor.Dims.Length];
            var axisMask = axes[request.Axis] ??= Enumerable.Repeat(true, (int)tensor.Dims[request.Axis]).ToArray();
            for (int c = 0; c < mask.Length; c++)
                if (!mask[c])
                    for (int b = 0; b < request.Block; b++) axisMask[(request.Offset + c) * request.Block + b] = false;
        }

        foreach (var ((node, input), axes) in cuts)
        {
            var tensor = node.Input(input)!.ConstantValue!;
            var kept = axes.Select((m, axis) => m is null
                ? Enumerable.Range(0, (int)tensor.Dims[axis]).ToArray()
                : Enumerable.Range(0, m.Length).Where(i => m[i]).ToArray()).ToArray();
            var values = Take(tensor.Span<float>(), tensor.Dims, kept);
            var smaller = graph.AddInitializer(Tensor.FromFloats(tensor.Name.Length > 0 ? tensor.Name : "pruned", kept.Select(k => (long)k.Length).ToArray(), values));
            node.SetInput(input, smaller);
        }

        foreach (var conv in groups.DepthwiseConvs)
            conv.SetInt("group", conv.Input(1)!.ConstantValue!.Dims[0]);

        UpdateShapes(groups, keep);
        return cuts.Keys.Select(k => k.Node).Distinct().Count();
    }

    // Keeps stored shapes true so later analysis and the written value_info match the new tensors.
    private static void UpdateShapes(ChannelGroups groups, IReadOnlyDictionary<int, bool[]> keep)
    {
        foreach (var (value, layout) in groups.Layouts)
        {
            if (value.Shape is not { Rank: >= 2 } shape) continue;
            int before = layout.Total;
            int after = layout.Segments.Sum(s => !s.IsFixed && keep.TryGetValue(groups.Find(s.Group), out var m) ? m.Count(k => k) : s.Count);
            if (after == before) continue;
            var dims = shape.Dims.ToArray();
            dims[1] = dims[1].Value is long d && d % before == 0 ? Dim.Of(d / before * after) : Dim.Unknown();
            value.Shape = new TensorShape(dims);
            value.Declaration = Redeclared(value.Declaration, dims[1]);
        }
    }

    // The value_info an exporter wrote (CNTK writes one per tensor) is written back as it was read:
    // left at the old channel count, ONNX Runtime's shape inference meets 64 channels on one input
    // of a residual Add and 48 on the other ("Incompatible dimensions").
    private static Onnx.ValueInfoProto? Redeclared(Onnx.ValueInfoProto? declaration, Dim channels)
    {
        if (declaration?.Type?.TensorType?.Shape is not { Dim.Count: >= 2 }) return declaration;
        var copy = declaration.Clone();
        var dim = copy.Type.TensorType.Shape.Dim[1];
        if (channels.Value is long c) dim.DimValue = c;
        else dim.ClearValue();
        return copy;
    }

    /// <summary>The sub-tensor at the given indices of each axis (row-major).</summary>
    internal static float[] Take(ReadOnlySpan<float> source, long[] dims, int[][] kept)
    {
        int rank = dims.Length;
        var strides = new long[rank];
        long stride = 1;
        for (int a = rank - 1; a >= 0; a--)
        {
            strides[a] = stride;
            stride *= dims[a];
        }
        long count = kept.Aggregate(1L, (n, k) => n * k.Length);
        var result = new float[count];
        if (count == 0) return result;
        var index = new int[rank];
        int inner = rank - 1;
        int[] innerKept = kept[inner];
        long o = 0;
        while (true)
        {
            long baseOffset = 0;
            for (int a = 0; a < inner; a++) baseOffset += kept[a][index[a]] * strides[a];
            foreach (int k in innerKept) result[o++] = source[(int)(baseOffset + k)];
            int axis = inner - 1;
            while (axis >= 0 && ++index[axis] == kept[axis].Length)
            {
                index[axis] = 0;
                axis--;
            }
            if (axis < 0) return result;
        }
    }
}
