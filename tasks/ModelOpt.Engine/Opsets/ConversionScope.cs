using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Opsets;

/// <summary>What a conversion step may consult and create: the opsets it moves between, constants of the right type.</summary>
internal sealed class ConversionScope(long from, long to)
{
    public long From { get; } = from;

    public long To { get; } = to;

    /// <summary>An int64 vector constant in the node's graph (starts, ends, axes, pads, k).</summary>
    public static Value Int64s(Node node, string what, long[] values, bool scalar = false) =>
        node.Owner.AddInitializer(Tensor.FromInt64s($"{node.Name}.{what}", scalar ? [] : [values.Length], values));

    /// <summary>A float vector constant (Resize's scales and roi).</summary>
    public static Value Floats(Node node, string what, float[] values) =>
        node.Owner.AddInitializer(Tensor.FromFloats($"{node.Name}.{what}", [values.Length], values));

    /// <summary>
    /// A scalar of the element type <paramref name="like"/> carries (Clip's bounds, Pad's value must
    /// match the data); float when the type is not known, which is what the ops that had these
    /// attributes computed in.
    /// </summary>
    public static Value ScalarLike(Node node, Value? like, string what, float value)
    {
        string name = $"{node.Name}.{what}";
        var tensor = (like?.ElementType ?? DataType.Undefined) switch
        {
            DataType.Float16 => Tensor.FromArray(name, DataType.Float16, [], [(Half)value]),
            DataType.Double => Tensor.FromArray(name, DataType.Double, [], [(double)value]),
            DataType.Int64 => Tensor.FromArray(name, DataType.Int64, [], [(long)value]),
            DataType.Int32 => Tensor.FromArray(name, DataType.Int32, [], [(int)value]),
            _ => Tensor.FromFloats(name, [], [value]),
        };
        return node.Owner.AddInitializer(tensor);
    }

    /// <summary>Moves an ints attribute to input <paramref name="index"/> as an int64 constant; false when the attribute is absent.</summary>
    public static bool MoveIntsToInput(Node node, string attribute, int index)
    {
        if (node.GetInts(attribute) is not { } values) return false;
        node.RemoveAttribute(attribute);
        var init = Int64s(node, attribute, values);
        while (node.Inputs.Count < index) node.AddInput(null);
        node.SetInput(index, init);
        return true;
    }

    /// <summary>
    /// Puts a new node in place of <paramref name="old"/>: the new node's first output takes over
    /// the old first output's readers and name, and the new node takes the old one's name, so
    /// per-node settings and value names still find it.
    /// </summary>
    public static void Replace(Node old, Node replacement)
    {
        var graph = old.Owner;
        string name = old.Name;
        graph.ReplaceKeepingName(old.Output(0), replacement.Output(0), "_before_conversion");
        graph.RemoveNode(old, force: true);
        replacement.Name = name;
    }
}
