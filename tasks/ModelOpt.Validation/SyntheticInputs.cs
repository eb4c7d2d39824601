using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// Seeded random inputs for a model: floats in [0, 1), integers in [0, 4) (small enough to be
/// valid indices for most Gather/Embedding inputs), booleans at random. The same seed and shapes
/// give the same bytes, so two models can be compared on identical inputs.
/// </summary>
public static class SyntheticInputs
{
    public const int IntegerRange = 4;

    /// <summary>
    /// One tensor per real graph input of <paramref name="model"/>. A shape in
    /// <paramref name="shapes"/> overrides the declared one; otherwise unknown dimensions must be
    /// the leading (batch) one, which becomes 1. Inputs with a bound value (<see cref="Value.BoundValue"/>,
    /// set by shape inference from <c>--value</c>) get that value.
    /// </summary>
    public static IReadOnlyList<TensorData> For(Model model, IReadOnlyDictionary<string, TensorShape>? shapes = null, int seed = 0)
    {
        var random = new Random(seed);
        string file = OrtModelRunner.DisplayName(model);
        var inputs = new List<TensorData>();
        foreach (var input in model.Graph.Inputs)
        {
            if (input.Initializer is not null) continue; // an overridable constant: the model's own value is used
            if (input.BoundValue is { } bound)
            {
                // A value the user fixed (a sample rate, an initial state): random data there would
                // pick branches and states the model never sees.
                inputs.Add(TensorData.FromTensor(bound, input.Name));
                continue;
            }
            var shape = Bind(input, shapes, file);
            inputs.Add(Create(input.Name, input.ElementType, shape, random, file));
        }
        foreach (var name in shapes?.Keys ?? [])
        {
            if (!model.Graph.Inputs.Any(i => i.Name == name))
                throw new ModelOptException(ErrorCode.UnknownInputName, file, $"a shape is given for '{name}', which is not an input of the model (inputs: {string.Join(", ", model.Graph.Inputs.Select(i => i.Name))}).");
        }
        return inputs;
    }

    /// <summary>A random tensor of the given type and shape.</summary>
    public static TensorData Create(string name, DataType type, long[] shape, Random random, string file = "(model)")
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        switch (type)
        {
            case DataType.Float:
                return TensorData.FromArray(name, type, shape, Fill(count, () => random.NextSingle()));
            case DataType.Double:
                return TensorData.FromArray(name, type, shape, Fill(count, random.NextDouble));
            case DataType.Float16:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (Half)random.NextSingle()));
            case DataType.Bfloat16:
                // bfloat16 is the upper half of a float32.
                return TensorData.FromArray(name, type, shape, Fill(count, () => (ushort)(BitConverter.SingleToUInt32Bits(random.NextSingle()) >> 16)));
            case DataType.Int64:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (long)random.Next(IntegerRange)));
            case DataType.Int32:
                return TensorData.FromArray(name, type, shape, Fill(count, () => random.Next(IntegerRange)));
            case DataType.Int16:
            case DataType.Uint16:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (ushort)random.Next(IntegerRange)));
            case DataType.Int8:
            case DataType.Uint8:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (byte)random.Next(IntegerRange)));
            case DataType.Uint32:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (uint)random.Next(IntegerRange)));
            case DataType.Uint64:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (ulong)random.Next(IntegerRange)));
            case DataType.Bool:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (byte)random.Next(2)));
            default:
                throw new ModelOptException(ErrorCode.RuntimeFailed, file, $"input '{name}' has element type {DataTypes.Name(type)}, for which ModelOpt cannot make synthetic data.");
        }
    }

    internal static long[] Bind(Value input, IReadOnlyDictionary<string, TensorShape>? shapes, string file)
    {
        if (shapes is not null && shapes.TryGetValue(input.Name, out var given))
        {
            if (!given.IsFullyKnown)
                throw new ModelOptException(ErrorCode.InvalidShapeBinding, file, $"the shape {given} given for input '{input.Name}' has unknown dimensions.");
            return given.ToArray();
        }
        var declared = input.Shape
            ?? throw new ModelOptException(ErrorCode.InvalidShapeBinding, file, $"input '{input.Name}' declares no shape; give one (e.g. --shape {input.Name}=1x3x224x224).");
        var dims = new long[declared.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            if (declared[i].Value is long v) dims[i] = v;
            else if (i == 0) dims[i] = 1;
            else throw new ModelOptException(ErrorCode.InvalidShapeBinding, file, $"input '{input.Name}' has shape {declared} with unknown dimension {i}; give a shape (e.g. --shape {input.Name}=...).");
        }
        return dims;
    }

    private static T[] Fill<T>(long count, Func<T> next)
    {
        var values = new T[count];
        for (long i = 0; i < count; i++) values[i] = next();
        return values;
    }
}
