using ModelOpt.Engine.Config;
using System.Globalization;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// Concrete shapes the user gives for graph inputs (<c>--shape NAME=1x3x224x224</c>), which replace
/// the symbolic or unknown dimensions a model declares.
/// </summary>
public sealed class ShapeBindings
{
    private readonly Dictionary<string, long[]> _shapes;

    private ShapeBindings(Dictionary<string, long[]> shapes, ValueBindings? values = null)
    {
        _shapes = shapes;
        Values = values ?? ValueBindings.None;
    }

    public static ShapeBindings None { get; } = new(new Dictionary<string, long[]>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;

    /// <summary>Values bound to inputs (<c>--value</c>): they fix those inputs' shapes too.</summary>
    public ValueBindings Values { get; }

    public bool IsEmpty => _shapes.Count == 0 && Values.IsEmpty;

    /// <summary>These shapes with <paramref name="values"/> bound as well.</summary>
    public ShapeBindings WithValues(ValueBindings values) => new(_shapes, values);

    /// <summary>Parses <c>--shape</c> and <c>--value</c> strings together.</summary>
    public static ShapeBindings Parse(IEnumerable<string> shapes, IEnumerable<string> values) =>
        Parse(shapes).WithValues(ValueBindings.Parse(values));

    public static ShapeBindings Of(IReadOnlyDictionary<string, long[]> shapes) =>
        new(shapes.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));

    /// <summary>
    /// Parses <c>NAME=DIMS</c> strings; DIMS are positive integers separated by <c>x</c> or <c>,</c>
    /// (<c>scalar</c> for rank 0). The name may itself contain <c>=</c>: the last one separates.
    /// </summary>
    public static ShapeBindings Parse(IEnumerable<string> bindings)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (string text in bindings)
        {
            int eq = text.LastIndexOf('=');
            if (eq <= 0)
                throw Invalid(text, "expected NAME=DIMS, for example input=1x3x224x224");
            string name = text[..eq].Trim();
            string dimsText = text[(eq + 1)..].Trim();
            if (dimsText.Length == 0)
                throw Invalid(text, "no dimensions after '='");
            long[] dims = dimsText.Equals("scalar", StringComparison.OrdinalIgnoreCase) ? [] : ParseDims(text, dimsText);
            if (!shapes.TryAdd(name, dims))
                throw Invalid(text, $"input '{name}' is bound more than once");
        }
        return new ShapeBindings(shapes);
    }

    private static long[] ParseDims(string text, string dimsText)
    {
        string[] parts = dimsText.Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
        var dims = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out long d) || d <= 0)
                throw Invalid(text, $"dimension {i} ('{parts[i]}') is not a positive integer");
            dims[i] = d;
        }
        return dims;
    }

    private static ModelOptException Invalid(string text, string why) =>
        new(ErrorCode.InvalidShapeBinding, null, $"invalid {OptionNames.Shape.Name} '{text}': {why}.");

    public override string ToString() => string.Join(' ', _shapes.Select(p => $"{p.Key}={TensorShape.Of(p.Value)}").Concat(Values.Specs.Select(p => $"{p.Key}:={p.Value}")));
}
