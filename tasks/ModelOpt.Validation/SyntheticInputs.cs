using ModelOpt.Engine.Config;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// Seeded random inputs for a model: floats in [0, 1), booleans at random, integers the model
/// accepts: an input that indexes a constant table (traced to its Gather, <see cref="IndexInputRanges"/>)
/// within the table's rows, any other integer input in {0, 1} (a mask, a flag: random large
/// values would pick branches and indices the model never sees), uint8 (pixels) over its range.
/// The same seed and shapes give the same bytes, so two models can be compared on identical inputs.
/// </summary>
public static class SyntheticInputs
{
    /// <summary>Integer inputs that index no table the model holds are drawn below this.</summary>
    public const int IntegerRange = 2;

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
        IReadOnlyDictionary<string, IndexBound>? bounds = null;
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
            bounds ??= IndexInputRanges.For(model);
            inputs.Add(Create(input.Name, input.ElementType, shape, random, file, bounds.GetValueOrDefault(input.Name)?.Rows));
        }
        foreach (var name in shapes?.Keys ?? [])
        {
            if (!model.Graph.Inputs.Any(i => i.Name == name))
                throw new ModelOptException(ErrorCode.UnknownInputName, file, $"a shape is given for '{name}', which is not an input of the model (inputs: {string.Join(", ", model.Graph.Inputs.Select(i => i.Name))}).");
        }
        return inputs;
    }

    /// <summary>
    /// What synthetic integer inputs are drawn from, one line per integer input (null when the
    /// model has none): the table that bounds an index, or the small range where nothing does.
    /// </summary>
    public static string? DescribeIntegers(Model model)
    {
        var integers = model.Graph.Inputs.Where(v => v.Initializer is null && v.BoundValue is null && IndexInputRanges.IsInteger(v.ElementType)).ToList();
        if (integers.Count == 0) return null;
        var bounds = IndexInputRanges.For(model);
        return "synthetic integer inputs: " + string.Join("; ", integers.Select(v => bounds.TryGetValue(v.Name, out var b)
            ? $"'{v.Name}' drawn in [0, {b.Rows}) (the rows of the table {b.Node} reads)"
            : v.ElementType == DataType.Uint8 ? $"'{v.Name}' drawn over all uint8 values (no table it indexes)"
            : $"'{v.Name}' drawn in {{0, 1}} (no table bounds it)"))
            + $" — give real samples ({OptionNames.Data.With()}) to run the model on the values it is used with.";
    }

    /// <summary>A random tensor of the given type and shape; integers below <paramref name="upper"/> (the rows of the table they index) when given.</summary>
    public static TensorData Create(string name, DataType type, long[] shape, Random random, string file = "(model)", long? upper = null)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        int range = (int)Math.Clamp(upper ?? IntegerRange, 1, int.MaxValue);
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
                return TensorData.FromArray(name, type, shape, Fill(count, () => (long)random.Next(range)));
            case DataType.Int32:
                return TensorData.FromArray(name, type, shape, Fill(count, () => random.Next(range)));
            case DataType.Int16:
            case DataType.Uint16:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (ushort)random.Next(range)));
            case DataType.Int8:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (byte)random.Next(Math.Min(range, 128))));
            case DataType.Uint8:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (byte)random.Next(upper is long u ? (int)Math.Min(u, 256) : 256)));
            case DataType.Uint32:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (uint)random.Next(range)));
            case DataType.Uint64:
                return TensorData.FromArray(name, type, shape, Fill(count, () => (ulong)random.Next(range)));
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
            ?? throw new ModelOptException(ErrorCode.InvalidShapeBinding, file, $"input '{input.Name}' declares no shape; give one (e.g. {OptionNames.Shape.With($"{input.Name}=1x3x224x224")}).");
        var dims = new long[declared.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            if (declared[i].Value is long v) dims[i] = v;
            else if (i == 0) dims[i] = 1;
            else throw new ModelOptException(ErrorCode.InvalidShapeBinding, file, $"input '{input.Name}' has shape {declared} with unknown dimension {i}; give a shape (e.g. {OptionNames.Shape.With($"{input.Name}=...")}).");
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
