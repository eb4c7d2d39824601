using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// What one sample costs in memory when a model runs on it, from the cost model's activation
/// bytes at the samples' own input shapes: <see cref="ActivationBytes"/> (every node output, no
/// buffer reuse: an upper bound on what ONNX Runtime's arena holds for a run), the bytes of the
/// values handed back (<see cref="ExposedBytes"/>, which also live on as managed copies), and the
/// inputs. <see cref="Unsized"/> counts values whose shape static inference could not tell; each
/// is charged as much as the largest value that was sized.
/// </summary>
public sealed record SampleMemory(long ActivationBytes, long ExposedBytes, long InputBytes, int Unsized)
{
    public static SampleMemory Zero { get; } = new(0, 0, 0, 0);

    /// <summary>
    /// Bytes a batch holds per sample: the runtime's activations, plus the managed copy of every
    /// value handed back, plus the input batch itself.
    /// </summary>
    public long Total => ActivationBytes + ExposedBytes + InputBytes;

    public static SampleMemory operator +(SampleMemory a, SampleMemory b) =>
        new(a.ActivationBytes + b.ActivationBytes, a.ExposedBytes + b.ExposedBytes, a.InputBytes + b.InputBytes, a.Unsized + b.Unsized);
}

/// <summary>Per-sample memory of a run (<see cref="SampleMemory"/>) and the batch size a memory cap allows.</summary>
public static class ActivationMemory
{
    /// <summary>
    /// The memory of one sample when <paramref name="model"/> runs with <paramref name="exposed"/>
    /// handed back. <paramref name="sampleShapes"/> are the inputs' shapes without the batch
    /// dimension; the model itself is not changed (shapes are inferred on a copy).
    /// </summary>
    public static SampleMemory PerSample(Model model, IReadOnlyDictionary<string, long[]> sampleShapes, IReadOnlyCollection<string> exposed)
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

        long activations = 0, largest = 0;
        int unsizedNodes = 0;
        foreach (var cost in CostModel.Compute(copy))
        {
            activations += cost.ActivationBytes;
            largest = Math.Max(largest, cost.ActivationBytes);
        }
        foreach (var node in copy.Graph.AllNodes())
            if (node.Outputs.Any(o => o is not null && o.Shape?.ElementCount is null)) unsizedNodes++;

        long exposedBytes = 0;
        int unsized = unsizedNodes;
        foreach (var name in exposed)
        {
            var value = copy.Graph.FindValue(name);
            if (value?.Shape?.ElementCount is long n) exposedBytes += DataTypes.ByteSize(value.ElementType, n);
            else
            {
                exposedBytes += largest;
                unsized++;
            }
        }
        activations += unsizedNodes * largest;

        long inputBytes = 0;
        foreach (var input in inputs)
            if (sampleShapes.TryGetValue(input.Name, out var row))
                inputBytes += DataTypes.ByteSize(input.ElementType, row.Aggregate(1L, (a, d) => a * Math.Max(d, 1)));
        return new SampleMemory(activations, exposedBytes, inputBytes, unsized);
    }

    /// <summary>
    /// The most samples per run that keep <paramref name="perSample"/> × batch under
    /// <paramref name="capBytes"/>, at most <paramref name="maxBatch"/>. A cap below one sample is
    /// an error (<see cref="ErrorCode.MemoryCapTooSmall"/>) naming <paramref name="file"/> and
    /// saying what one sample needs, since no batch size can honour it.
    /// </summary>
    public static int BatchSize(long capBytes, SampleMemory perSample, int maxBatch, string? file, string what)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        long one = Math.Max(perSample.Total, 1);
        if (one > capBytes)
            throw new ModelOptException(ErrorCode.MemoryCapTooSmall, file,
                $"{what} needs about {Mib(one)} per sample ({Mib(perSample.ActivationBytes)} of activations, {Mib(perSample.ExposedBytes)} of values handed back, {Mib(perSample.InputBytes)} of input) " +
                $"but the memory cap is {Mib(capBytes)}; raise runtime.memoryCap / --memory-cap / MemoryCap to at least {Mib(one)}, or use smaller inputs.");
        return (int)Math.Clamp(capBytes / one, 1, maxBatch);
    }

    private static string Mib(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.##} GiB" : $"{bytes / (double)(1L << 20):0.#} MiB";
}
