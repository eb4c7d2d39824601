using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// What a cost formula sees of a node: fully known input and output shapes. A formula that needs a
/// shape which is not known gets <see cref="MissingShape"/> thrown and the node's cost is reported unknown.
/// </summary>
internal sealed class CostContext(Node node)
{
    public Node Node { get; } = node;

    public long[] In(int i) => Node.Input(i)?.Shape is { IsFullyKnown: true } s ? s.ToArray() : throw new MissingShape($"input {i}");

    public long[] Out(int i = 0) => i < Node.Outputs.Count && Node.Outputs[i]?.Shape is { IsFullyKnown: true } s
        ? s.ToArray()
        : throw new MissingShape($"output {i}");

    public long InElements(int i) => Product(In(i));

    public long OutElements(int i = 0) => Product(Out(i));

    public int InputCount => Node.Inputs.Count(v => v is not null);

    public static long Product(IEnumerable<long> dims)
    {
        long p = 1;
        foreach (long d in dims) p *= d;
        return p;
    }
}

/// <summary>A shape a cost formula needs is not known.</summary>
internal sealed class MissingShape(string what) : Exception($"the shape of {what} is unknown");
