using ModelOpt.Engine.Config;
using System.Globalization;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// Values the user fixes for graph inputs that are not data: a sample rate (<c>sr=16000</c>), a
/// recurrent state (<c>state=zeros</c>), a flag. A bound value is fed on every run instead of a
/// sample or random data, and shape inference folds it, so an If on it is resolved.
/// </summary>
/// <remarks>
/// Forms: a number (a scalar, or every element of the input's shape), <c>zeros</c> / <c>ones</c>
/// (the input's declared or <c>--shape</c>-bound shape, which must then be fully known), a
/// comma-separated list in brackets (<c>[1,2,3]</c>, a 1-D tensor), or a <c>.npy</c> file.
/// The text is kept and read against the input when a model is bound, since the element type and
/// shape come from the model.
/// </remarks>
public sealed class ValueBindings
{
    private readonly Dictionary<string, string> _specs;

    private ValueBindings(Dictionary<string, string> specs) => _specs = specs;

    public static ValueBindings None { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, string> Specs => _specs;

    public bool IsEmpty => _specs.Count == 0;

    /// <summary>Parses <c>NAME=VALUE</c> strings (the CLI's <c>--value</c>, MSBuild's <c>Values</c>).</summary>
    public static ValueBindings Parse(IEnumerable<string> bindings)
    {
        var specs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string text in bindings)
        {
            int eq = text.IndexOf('=');
            if (eq <= 0 || eq == text.Length - 1)
                throw new ModelOptException(ErrorCode.InvalidValueBinding, null, $"invalid {OptionNames.Value.Name} '{text}': expected NAME=VALUE, for example sr=16000 or state=zeros.");
            string name = text[..eq].Trim();
            if (!specs.TryAdd(name, text[(eq + 1)..].Trim()))
                throw new ModelOptException(ErrorCode.InvalidValueBinding, null, $"invalid {OptionNames.Value.Name} '{text}': input '{name}' is bound more than once.");
        }
        return new ValueBindings(specs);
    }

    /// <summary>These bindings, with <paramref name="others"/> (the CLI's) taking precedence over them (a config's).</summary>
    public ValueBindings With(ValueBindings others)
    {
        var merged = new Dictionary<string, string>(_specs, StringComparer.Ordinal);
        foreach (var (name, spec) in others._specs) merged[name] = spec;
        return new ValueBindings(merged);
    }

    /// <summary>
    /// The tensor for <paramref name="input"/>: its element type, and its shape (declared, or bound
    /// through <paramref name="boundShape"/>). Throws MOPT2020 naming the input when it does not fit.
    /// </summary>
    public static Tensor Resolve(string file, Value input, string spec, long[]? boundShape)
    {
        var type = input.ElementType;
        long[]? shape = boundShape ?? (input.Shape is { IsFullyKnown: true } s ? s.ToArray() : null);
        Tensor tensor;
        if (spec.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(spec)) throw Invalid(file, input, spec, $"the file {spec} does not exist");
            var array = NpyFile.Read(spec);
            if (array.DataType != type) throw Invalid(file, input, spec, $"the file holds {DataTypes.Name(array.DataType)} but the input takes {DataTypes.Name(type)}");
            tensor = array.ToTensor(input.Name);
        }
        else if (spec is "zeros" or "ones")
        {
            if (shape is null)
                throw Invalid(file, input, spec, $"its shape {input.Shape?.ToString() ?? "(none declared)"} is not fully known; bind it too, e.g. {OptionNames.Shape.With($"{input.Name}=...")}, or give a .npy file");
            tensor = Filled(input.Name, type, shape, spec == "ones" ? 1 : 0, file, input, spec);
        }
        else if (spec.StartsWith('[') && spec.EndsWith(']'))
        {
            var numbers = spec[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => ParseNumber(t, file, input, spec)).ToArray();
            tensor = FromNumbers(input.Name, type, [numbers.Length], numbers, file, input, spec);
        }
        else
        {
            double number = ParseNumber(spec, file, input, spec);
            long[] dims = shape ?? (input.Shape is { Rank: 0 } ? [] : throw Invalid(file, input, spec,
                $"a single number fills a scalar or a fully known shape, and '{input.Name}' is {input.Shape?.ToString() ?? "undeclared"}; bind its shape with {OptionNames.Shape.Name} or give a .npy file"));
            tensor = Filled(input.Name, type, dims, number, file, input, spec);
        }
        CheckFits(file, input, spec, tensor.Dims);
        return tensor;
    }

    private static void CheckFits(string file, Value input, string spec, long[] dims)
    {
        if (input.Shape is not { } declared) return;
        if (declared.Rank != dims.Length)
            throw Invalid(file, input, spec, $"the value has shape {TensorShape.Of(dims)} (rank {dims.Length}) but the model declares '{input.Name}' as {declared} (rank {declared.Rank})");
        for (int i = 0; i < dims.Length; i++)
            if (declared[i].Value is long d && d != dims[i])
                throw Invalid(file, input, spec, $"the value has shape {TensorShape.Of(dims)} but the model fixes dimension {i} of '{input.Name}' at {d}");
    }

    private static double ParseNumber(string text, string file, Value input, string spec) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw Invalid(file, input, spec, $"'{text}' is not a number, 'zeros', 'ones', a [list] or a .npy file");

    private static Tensor Filled(string name, DataType type, long[] dims, double value, string file, Value input, string spec)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count > 1 << 26) throw Invalid(file, input, spec, $"{count} elements is too many for a bound value");
        var numbers = new double[count];
        Array.Fill(numbers, value);
        return FromNumbers(name, type, dims, numbers, file, input, spec);
    }

    private static Tensor FromNumbers(string name, DataType type, long[] dims, double[] v, string file, Value input, string spec)
    {
        bool integral = v.All(x => x == Math.Floor(x));
        if (type is not (DataType.Float or DataType.Double or DataType.Float16) && !integral)
            throw Invalid(file, input, spec, $"the input takes {DataTypes.Name(type)}, which cannot hold {v.First(x => x != Math.Floor(x)).ToString(CultureInfo.InvariantCulture)}");
        try
        {
            return Convert(name, type, dims, v, file, input, spec);
        }
        catch (OverflowException)
        {
            throw Invalid(file, input, spec, $"a value is out of the range of {DataTypes.Name(type)}");
        }
    }

    private static Tensor Convert(string name, DataType type, long[] dims, double[] v, string file, Value input, string spec)
    {
        return type switch
        {
            DataType.Float => Tensor.FromFloats(name, dims, Array.ConvertAll(v, x => (float)x)),
            DataType.Double => Tensor.FromArray(name, type, dims, v),
            DataType.Float16 => Tensor.FromArray(name, type, dims, Array.ConvertAll(v, x => (Half)x)),
            DataType.Int64 => Tensor.FromInt64s(name, dims, Array.ConvertAll(v, x => (long)x)),
            DataType.Int32 => Tensor.FromArray(name, type, dims, Array.ConvertAll(v, x => checked((int)x))),
            DataType.Int8 => Tensor.FromArray(name, type, dims, Array.ConvertAll(v, x => checked((sbyte)x))),
            DataType.Uint8 => Tensor.FromArray(name, type, dims, Array.ConvertAll(v, x => checked((byte)x))),
            DataType.Bool => Tensor.FromArray(name, type, dims, Array.ConvertAll(v, x => x is 0 or 1 ? (byte)x
                : throw Invalid(file, input, spec, "a bool input takes 0 or 1"))),
            _ => throw Invalid(file, input, spec, $"ModelOpt cannot bind values of type {DataTypes.Name(type)}"),
        };
    }

    private static ModelOptException Invalid(string file, Value input, string spec, string why) =>
        new(ErrorCode.InvalidValueBinding, file, $"{OptionNames.Value.With($"{input.Name}={spec}")}: {why}.");

    public override string ToString() => string.Join(' ', _specs.Select(p => $"{p.Key}={p.Value}"));
}
