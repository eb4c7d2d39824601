using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// The small constants known during one inference run: initializers and Constant nodes read on
/// demand, folded results recorded as they are computed (and published as <see cref="Value.KnownValue"/>).
/// </summary>
internal sealed class FoldedValues
{
    private readonly Dictionary<Value, FoldedTensor?> _values = new(ReferenceEqualityComparer.Instance);

    public FoldedTensor? Get(Value value)
    {
        if (_values.TryGetValue(value, out var known)) return known;
        FoldedTensor? read = null;
        var constant = value.IsConstant ? value.Initializer : value.Producer?.ConstantOutput;
        if (constant is null && value.IsGraphInput && value.BoundValue is { } bound) constant = bound;
        if (constant is not null) read = FoldedTensor.FromTensor(constant);
        _values[value] = read;
        return read;
    }

    public void Set(Value value, FoldedTensor folded)
    {
        _values[value] = folded;
        value.KnownValue = folded.ToTensor(value.Name);
    }
}
