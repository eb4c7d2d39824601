using System.Text;

namespace ModelOpt.Engine.IR;

/// <summary>One dimension: a known size, or a symbol (<c>batch</c>) or nothing at all when unknown.</summary>
public readonly record struct Dim(long? Value, string? Symbol = null)
{
    public static Dim Of(long value) => new(value);
    public static Dim Unknown(string? symbol = null) => new(null, symbol);

    public bool IsKnown => Value.HasValue;

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

/// <summary>A tensor shape whose rank is known; dimensions may still be unknown or symbolic.</summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly Dim[] _dims;

    public TensorShape(IEnumerable<Dim> dims) => _dims = dims.ToArray();

    public static TensorShape Of(params long[] dims) => new(dims.Select(Dim.Of));

    public static readonly TensorShape Scalar = new(Array.Empty<Dim>());

    public int Rank => _dims.Length;

    public Dim this[int index] => _dims[index];

    public IReadOnlyList<Dim> Dims => _dims;

    public bool IsFullyKnown => _dims.All(d => d.IsKnown);

    /// <summary>The dimensions as numbers; throws when any is unknown (check <see cref="IsFullyKnown"/>).</summary>
    public long[] ToArray() => _dims.Select(d => d.Value ?? throw new InvalidOperationException($"Shape {this} has unknown dimensions.")).ToArray();

    /// <summary>Number of elements, or null when a dimension is unknown.</summary>
    public long? ElementCount
    {
        get
        {
            long count = 1;
            foreach (var d in _dims)
            {
                if (d.Value is not long v) return null;
                count *= v;
            }
            return count;
        }
    }

    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in _dims) hash.Add(d);
        return hash.ToHashCode();
    }

    /// <summary>Written as <c>1x3x224x224</c>, the form <c>--shape</c> accepts; a scalar is <c>scalar</c>.</summary>
    public override string ToString()
    {
        if (_dims.Length == 0) return "scalar";
        var sb = new StringBuilder();
        for (int i = 0; i < _dims.Length; i++)
        {
            if (i > 0) sb.Append('x');
            sb.Append(_dims[i].ToString());
        }
        return sb.ToString();
    }
}
