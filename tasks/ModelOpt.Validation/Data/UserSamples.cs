using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Data;

/// <summary>
/// The user's samples, read once before anything runs: the dimensions a model leaves open
/// (a sequence length, an image size) are bound from them, and integer values the model cannot
/// take (an index past the table it reads) are caught here, naming the sample, rather than as an
/// ONNX Runtime failure blamed on a rewrite.
/// </summary>
public static class UserSamples
{
    /// <summary>The sample folder a run reads: the one given, or <c>NAME.samples/</c> beside the model; null when there is none.</summary>
    public static string? Folder(string modelPath, string? dataPath) => dataPath ?? SampleSet.FindBeside(modelPath);

    /// <summary>
    /// <paramref name="bindings"/> plus a shape for every input whose declared shape has unknown
    /// dimensions and that the user did not bind: the samples' own (all of them agree, or
    /// <see cref="SampleSet.FromFolder"/> refuses them), with the batch dimension 1. Checks every
    /// integer sample value against the table it indexes. Says what it bound in <paramref name="notes"/>.
    /// </summary>
    public static ShapeBindings Bind(Model model, string folder, ShapeBindings bindings, List<string> notes)
    {
        using var set = SampleSet.FromFolder(folder, model);
        var rows = set.SampleShapes();
        var shapes = bindings.Shapes.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var bound = new List<string>();
        foreach (var input in model.Graph.Inputs)
        {
            if (input.Initializer is not null || input.BoundValue is not null || input.Shape is not { IsFullyKnown: false } declared) continue;
            if (shapes.ContainsKey(input.Name) || !rows.TryGetValue(input.Name, out long[]? row)) continue;
            bool unbatched = declared.Rank == 0 || declared[0].Value is > 1;
            // A free batch dimension alone defaults to 1 anyway (InputBinder); the samples speak for the others.
            if (!unbatched && declared.Dims.Skip(1).All(d => d.IsKnown)) continue;
            long[] dims = unbatched ? row : [declared[0].Value ?? 1, .. row];
            if (dims.Length != declared.Rank) continue;
            shapes[input.Name] = dims;
            bound.Add($"'{input.Name}' {declared} as {TensorShape.Of(dims)}");
        }
        if (bound.Count > 0)
            notes.Add($"shapes: bound from the {set.Count} sample(s) in {folder}, which all agree: {string.Join(", ", bound)}.");
        CheckIndices(model, set);
        return ShapeBindings.Of(shapes).WithValues(bindings.Values);
    }

    /// <summary>Throws, naming the first sample, when an integer input holds a value the table it indexes has no row for.</summary>
    public static void CheckIndices(Model model, SampleSet set)
    {
        var bounds = IndexInputRanges.For(model);
        if (bounds.Count == 0) return;
        int index = 0;
        foreach (var batch in set.Batches(1))
        {
            foreach (var tensor in batch)
            {
                if (!bounds.TryGetValue(tensor.Name, out var bound)) continue;
                long[] values = Integers(tensor);
                int bad = Array.FindIndex(values, v => !bound.Accepts(v));
                if (bad >= 0)
                    throw new ModelOptException(ErrorCode.SampleValueOutOfRange, set.Origin(index, tensor.Name),
                        $"input '{tensor.Name}' holds {values[bad]} (element {bad}), but the model accepts {bound.Describe()}: this sample would make ONNX Runtime fail or read past the table.");
            }
            index++;
        }
    }

    private static long[] Integers(TensorData tensor) => tensor.ElementType switch
    {
        DataType.Int64 => tensor.ToArray<long>(),
        DataType.Int32 => Array.ConvertAll(tensor.ToArray<int>(), v => (long)v),
        DataType.Int16 => Array.ConvertAll(tensor.ToArray<short>(), v => (long)v),
        DataType.Int8 => Array.ConvertAll(tensor.ToArray<sbyte>(), v => (long)v),
        DataType.Uint64 => Array.ConvertAll(tensor.ToArray<ulong>(), v => (long)Math.Min(v, long.MaxValue)),
        DataType.Uint32 => Array.ConvertAll(tensor.ToArray<uint>(), v => (long)v),
        DataType.Uint16 => Array.ConvertAll(tensor.ToArray<ushort>(), v => (long)v),
        DataType.Uint8 => Array.ConvertAll(tensor.ToArray<byte>(), v => (long)v),
        _ => [],
    };
}
