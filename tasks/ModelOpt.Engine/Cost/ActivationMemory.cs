using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// What one sample adds to a run's memory, at the samples' own input shapes:
/// <see cref="ActivationBytes"/>, the most intermediate values alive at once when the nodes run in
/// order (ONNX Runtime plans its buffers by lifetime and reuses them, so this, not the sum of every
/// node output, is what a run holds); the values handed back (<see cref="ExposedBytes"/>, held until
/// the run ends, then as managed copies); the graph's own outputs (<see cref="OutputBytes"/>); and
/// the input batch (<see cref="InputBytes"/>, held twice: the managed batch and ONNX Runtime's copy).
/// <see cref="Unsized"/> counts values whose shape static inference could not tell; each is charged
/// as much as the largest input of the node that makes it.
/// </summary>
public sealed record SampleMemory(long ActivationBytes, long ExposedBytes, long InputBytes, int Unsized, long OutputBytes = 0)
{
    public static SampleMemory Zero { get; } = new(0, 0, 0, 0);

    /// <summary>Bytes a batch holds per sample: the activations, what is handed back, and the input twice.</summary>
    public long Total => ActivationBytes + ExposedBytes + OutputBytes + 2 * InputBytes;

    /// <summary>The same with the live activations and the values handed back scaled to what the process holds for them (<see cref="MemoryModel"/>).</summary>
    public SampleMemory AsHeld(double activationFactor) => this with
    {
        ActivationBytes = (long)Math.Ceiling(activationFactor * ActivationBytes),
        ExposedBytes = (long)Math.Ceiling(MemoryModel.ExposedFactor * ExposedBytes),
    };

    public static SampleMemory operator +(SampleMemory a, SampleMemory b) =>
        new(a.ActivationBytes + b.ActivationBytes, a.ExposedBytes + b.ExposedBytes, a.InputBytes + b.InputBytes, a.Unsized + b.Unsized, a.OutputBytes + b.OutputBytes);
}

/// <summary>
/// What a process that runs models in batches holds at its peak: <see cref="FixedBytes"/> whatever
/// the batch (the process with ONNX Runtime loaded, the models in memory, every session's weights)
/// and <see cref="PerSample"/> for each sample of a batch.
/// </summary>
public sealed record MemoryEstimate(long FixedBytes, SampleMemory PerSample)
{
    /// <summary>The estimated peak of a run of <paramref name="batch"/> samples.</summary>
    public long For(int batch) => FixedBytes + batch * PerSample.Total;

    public static MemoryEstimate operator +(MemoryEstimate a, MemoryEstimate b) => new(a.FixedBytes + b.FixedBytes, a.PerSample + b.PerSample);
}

/// <summary>
/// The factors of the memory model, fitted to what ONNX Runtime really allocated on real models
/// (eng/bench <c>memory-estimate</c>, docs/benchmarks.md "Memory estimate against the measured
/// peak"): each is what the measurements need, rounded up, not a safety margin on top.
/// </summary>
public static class MemoryModel
{
    /// <summary>
    /// The .NET runtime, ONNX Runtime's libraries and their threads, before any model is loaded.
    /// </summary>
    public const long ProcessBytes = 130L << 20;

    /// <summary>
    /// A session holds its weights about this many times over: the initializers as read, the
    /// prepacked copies its convolution and GEMM kernels run on, and float16 weights widened to
    /// float32 for kernels that have no float16 form.
    /// </summary>
    public const double SessionWeightFactor = 2.5;

    /// <summary>
    /// The model in managed memory (the IR, the serialized copy a session is opened from), per
    /// byte of weights.
    /// </summary>
    public const double ManagedModelFactor = 1.5;

    /// <summary>
    /// ONNX Runtime's buffers for the intermediates, per byte of the live peak, with its arena on
    /// (validation): the first run allocates tensor by tensor, the next ones the planned block, and
    /// the arena, which grows in powers of two and never shrinks, keeps both.
    /// </summary>
    public const double ArenaActivationFactor = 2.8;

    /// <summary>
    /// The same with the arena off (calibration): its planner reuses a buffer only of the same
    /// size, and the C allocator keeps some of what was freed. Not measured apart (the benchmark's
    /// calibration exposes every value, leaving nothing transient): the arena's factor halved.
    /// </summary>
    public const double ActivationFactor = 1.5;

    /// <summary>
    /// A float16 intermediate, per byte, on the CPU: itself and the float32 copy ONNX Runtime casts
    /// it to for kernels that have no float16 form (most of them).
    /// </summary>
    public const long Float16HeldFactor = 3;

    /// <summary>
    /// The same with ONNX Runtime's arena on (validation): the arena keeps the float32 temporaries
    /// of the casts of the first run beside the planned block of the next. Measured on one float16
    /// model (ISNet at 1024²: 5.4 GiB for validation); float32 models do not have them.
    /// </summary>
    public const long ArenaFloat16HeldFactor = 6;

    /// <summary>
    /// Values handed back, per byte: ONNX Runtime holds them all until the run ends, the C
    /// allocator keeps their pages for the next run while their managed copies are alive.
    /// </summary>
    public const double ExposedFactor = 2.0;
}

/// <summary>Per-sample memory of a run (<see cref="SampleMemory"/>) and the batch size a memory cap allows.</summary>
public static class ActivationMemory
{
    /// <summary>
    /// The memory of one sample when <paramref name="model"/> runs with <paramref name="exposed"/>
    /// handed back. <paramref name="sampleShapes"/> are the inputs' shapes without the batch
    /// dimension; the model itself is not changed (shapes are inferred on a copy). The same model and
    /// shapes always give the same figure: it depends on nothing measured.
    /// </summary>
    /// <param name="float16Factor">What a float16 intermediate is charged per byte (<see cref="MemoryModel.Float16HeldFactor"/>).</param>
    public static SampleMemory PerSample(Model model, IReadOnlyDictionary<string, long[]> sampleShapes, IReadOnlyCollection<string> exposed,
        long float16Factor = MemoryModel.Float16HeldFactor)
    {
        var copy = ModelCopy.Of(model);
        var inputs = copy.Graph.Inputs.Where(v => v.Initializer is null).ToList();
        var bindings = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var input in inputs)
            if (sampleShapes.TryGetValue(input.Name, out var row)) bindings[input.Name] = [1, .. row];
        try
        {
            ShapeInference.Run(copy, ShapeBindings.Of(bindings));
        }
        catch (ModelOptException)
        {
            // A model whose shapes cannot be bound to one sample (a fixed batch above one, say) is
            // sized from what its declared shapes give; unsized values are charged below.
        }
        copy.Graph.SortTopologically();

        long inputBytes = 0;
        foreach (var input in inputs)
            if (sampleShapes.TryGetValue(input.Name, out var row))
                inputBytes += DataTypes.ByteSize(input.ElementType, row.Aggregate(1L, (a, d) => a * Math.Max(d, 1)));

        var sizes = new Dictionary<Value, long>(ReferenceEqualityComparer.Instance);
        int unsized = 0;
        long Size(Value value)
        {
            if (sizes.TryGetValue(value, out long known)) return known;
            long bytes;
            if (value.IsGraphInput || value.IsConstant) bytes = 0;
            else if (value.Shape?.ElementCount is long n) bytes = DataTypes.ByteSize(value.ElementType, n);
            else
            {
                // Most ops make an output no larger than their largest input (elementwise, pooling,
                // a reshape); the charge stays local, so one unknown shape does not price the model.
                unsized++;
                bytes = value.Producer?.Inputs.Where(i => i is not null).Select(i => i!.IsGraphInput ? InputBytesOf(i, sampleShapes) : Size(i)).DefaultIfEmpty(0).Max() ?? 0;
            }
            sizes[value] = bytes;
            return bytes;
        }

        var exposedSet = new HashSet<string>(exposed, StringComparer.Ordinal);
        var graph = copy.Graph;
        long exposedBytes = 0, outputBytes = 0;
        // Values kept to the end of the run (handed back, or graph outputs) are counted apart from
        // the transient ones, whose buffers the runtime frees after their last reader.
        var kept = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var output in graph.Outputs)
            if (kept.Add(output)) outputBytes += output.Producer is null ? 0 : Size(output);
        foreach (var name in exposedSet)
            if (graph.FindValue(name) is { } value && !value.IsGraphInput && kept.Add(value)) exposedBytes += Size(value);

        var pendingReads = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs.Concat(node.ImplicitInputs))
                if (input?.Producer is { } p && ReferenceEquals(p.Owner, graph))
                    pendingReads[input] = pendingReads.GetValueOrDefault(input) + 1;

        // ONNX Runtime's CPU kernels mostly lack float16: it casts around each such node, so a
        // float16 intermediate is also held as float32 while it is read and written.
        long Held(Value value) => value.ElementType == TensorProto.Types.DataType.Float16 ? float16Factor * Size(value) : Size(value);

        long live = 0, peak = 0;
        foreach (var node in graph.Nodes)
        {
            bool constant = node.OpType == "Constant" && node.Domain.Length == 0;
            long made = 0;
            foreach (var output in node.Outputs)
                if (output is not null && !constant && !kept.Contains(output)) made += Held(output);
            // A node's inputs and outputs are alive together while it runs, and a node with a
            // subgraph also holds what its body needs.
            long inner = node.Subgraphs.Values.Select(g => SubgraphPeak(g, Size)).DefaultIfEmpty(0).Max();
            live += made;
            peak = Math.Max(peak, live + inner);
            foreach (var input in node.Inputs.Concat(node.ImplicitInputs).Distinct())
            {
                if (input?.Producer is not { } p || !ReferenceEquals(p.Owner, graph) || kept.Contains(input)) continue;
                int left = pendingReads[input] - node.Inputs.Concat(node.ImplicitInputs).Count(i => ReferenceEquals(i, input));
                pendingReads[input] = left;
                if (left == 0 && !(p.OpType == "Constant" && p.Domain.Length == 0)) live -= Held(input);
            }
            foreach (var output in node.Outputs)
                if (output is not null && !constant && !kept.Contains(output) && pendingReads.GetValueOrDefault(output) == 0) live -= Held(output);
        }
        return new SampleMemory(peak, exposedBytes, inputBytes, unsized, outputBytes);
    }

    // A body's values are alive together at most: a bound that needs no order inside it.
    private static long SubgraphPeak(Graph graph, Func<Value, long> size) =>
        graph.Nodes.SelectMany(n => n.Outputs).Where(o => o is not null).Sum(o => size(o!))
        + graph.Nodes.SelectMany(n => n.Subgraphs.Values).Select(g => SubgraphPeak(g, size)).DefaultIfEmpty(0).Max();

    private static long InputBytesOf(Value input, IReadOnlyDictionary<string, long[]> sampleShapes) =>
        sampleShapes.TryGetValue(input.Name, out var row) ? DataTypes.ByteSize(input.ElementType, row.Aggregate(1L, (a, d) => a * Math.Max(d, 1))) : 0;

    /// <summary>
    /// What a session of <paramref name="model"/> holds whatever the batch: its weights as ONNX
    /// Runtime keeps them and the model as the process holds it (<see cref="MemoryModel"/>).
    /// </summary>
    public static long SessionBytes(Model model)
    {
        long weights = 0;
        foreach (var graph in Graphs(model.Graph))
        {
            foreach (var value in graph.Initializers)
                if (value.Initializer is { } t) weights += t.ByteSize;
            foreach (var node in graph.Nodes)
                if (node.OpType == "Constant" && node.Domain.Length == 0 && node.ConstantOutput is { } c) weights += c.ByteSize;
        }
        return (long)((MemoryModel.SessionWeightFactor + MemoryModel.ManagedModelFactor) * weights);
    }

    private static IEnumerable<Graph> Graphs(Graph graph) =>
        graph.Nodes.SelectMany(n => n.Subgraphs.Values).SelectMany(Graphs).Prepend(graph);

    /// <summary>
    /// The estimate of running <paramref name="models"/> side by side, each with the values named
    /// beside it handed back, in sessions with ONNX Runtime's arena on or off
    /// (<paramref name="arena"/>): the process, every session, and per sample every model's run
    /// (each session keeps the buffers of its last run while the next model runs).
    /// </summary>
    public static MemoryEstimate Of(IReadOnlyDictionary<string, long[]> sampleShapes, bool arena, params (Model Model, IReadOnlyCollection<string> Exposed)[] models)
    {
        double factor = arena ? MemoryModel.ArenaActivationFactor : MemoryModel.ActivationFactor;
        long float16 = arena ? MemoryModel.ArenaFloat16HeldFactor : MemoryModel.Float16HeldFactor;
        return models.Aggregate(new MemoryEstimate(MemoryModel.ProcessBytes, SampleMemory.Zero),
            (sum, m) => sum + new MemoryEstimate(SessionBytes(m.Model), PerSample(m.Model, sampleShapes, m.Exposed, float16).AsHeld(factor)));
    }

    /// <summary>
    /// The most samples per run, at most <paramref name="maxBatch"/>, whose estimate fits under
    /// <paramref name="capBytes"/>; down to one sample. A cap below one sample's run is an error
    /// (<see cref="ErrorCode.MemoryCapTooSmall"/>) naming <paramref name="file"/> and saying what
    /// one sample needs, since no batch size can honour it.
    /// </summary>
    public static int BatchSize(long capBytes, MemoryEstimate estimate, int maxBatch, string? file, string what)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        long one = estimate.For(1);
        if (one > capBytes) throw TooSmall(capBytes, estimate, file, what);
        long perSample = Math.Max(estimate.PerSample.Total, 1);
        return (int)Math.Clamp((capBytes - estimate.FixedBytes) / perSample, 1, maxBatch);
    }

    /// <summary>The refusal when even one sample does not fit: what it needs, part by part, and what to raise.</summary>
    public static ModelOptException TooSmall(long capBytes, MemoryEstimate estimate, string? file, string what)
    {
        var s = estimate.PerSample;
        long one = estimate.For(1);
        return new ModelOptException(ErrorCode.MemoryCapTooSmall, file,
            $"{what} needs about {Mib(one)} with one sample at a time ({Mib(estimate.FixedBytes)} for the process, models and sessions; per sample " +
            $"{Mib(s.ActivationBytes)} of activations, {Mib(s.ExposedBytes + s.OutputBytes)} of values handed back, {Mib(2 * s.InputBytes)} of input) " +
            $"but the memory cap is {Mib(capBytes)}; raise {OptionNames.MemoryCap.NameAndKey} to at least {Mib(one)}, or use smaller inputs.");
    }

    public static string Mib(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.##} GiB" : $"{bytes / (double)(1L << 20):0.#} MiB";
}
