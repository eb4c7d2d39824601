using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.IR;

/// <summary>Where a value's shape came from, so reports can say how sure they are.</summary>
public enum ShapeSource
{
    Unknown,
    /// <summary>Declared in the model (graph input/output or value_info).</summary>
    Declared,
    /// <summary>Bound by the user with <c>--shape</c>, or a symbolic batch dimension defaulted to 1.</summary>
    Bound,
    /// <summary>Computed by ModelOpt's static shape inference.</summary>
    Inferred,
    /// <summary>Observed by running the model once in ONNX Runtime.</summary>
    Runtime,
}

/// <summary>A use of a value: the node that reads it and at which input (-1: from inside a subgraph).</summary>
public readonly record struct Use(Node Node, int InputIndex);

/// <summary>
/// A named tensor flowing through the graph: produced by one node (or a graph input, or an
/// initializer) and read by any number of nodes.
/// </summary>
public sealed class Value
{
    private readonly List<Use> _uses = [];

    internal Value(string name) => Name = name;

    public string Name { get; internal set; }

    /// <summary>The node whose output this is; null for graph inputs, initializers and outer-scope values.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>The index among the producer's outputs.</summary>
    public int OutputIndex { get; internal set; }

    public IReadOnlyList<Use> Uses => _uses;

    /// <summary>The constant behind this value when it is an initializer.</summary>
    public Tensor? Initializer { get; internal set; }

    public DataType ElementType { get; set; }

    public TensorShape? Shape { get; set; }

    public ShapeSource ShapeSource { get; set; }

    /// <summary>The declaration as the model had it (doc string, denotation, metadata kept for saving).</summary>
    public ValueInfoProto? Declaration { get; set; }

    /// <summary>
    /// A constant value known to shape inference (a folded Shape→Gather chain, say); not part of the
    /// saved model unless a pass materializes it.
    /// </summary>
    public Tensor? KnownValue { get; set; }

    /// <summary>
    /// For a graph input: the value the user bound to it (<c>--value sr=16000</c>), fed on every run
    /// and folded by shape inference. Not part of the saved model.
    /// </summary>
    public Tensor? BoundValue { get; set; }

    public bool IsGraphInput { get; internal set; }

    public bool IsGraphOutput { get; internal set; }

    /// <summary>A constant: an initializer that is not also a graph input (which callers may override).</summary>
    public bool IsConstant => Initializer is not null && !IsGraphInput;

    /// <summary>The constant value, from an initializer, a Constant node, or inference.</summary>
    public Tensor? ConstantValue => IsConstant ? Initializer : Producer?.ConstantOutput ?? KnownValue;

    internal void AddUse(Node node, int index) => _uses.Add(new Use(node, index));

    internal void RemoveUse(Node node, int index)
    {
        int i = _uses.FindIndex(u => ReferenceEquals(u.Node, node) && u.InputIndex == index);
        if (i >= 0) _uses.RemoveAt(i);
    }

    public override string ToString() => Shape is null ? Name : $"{Name}: {DataTypes.Name(ElementType)}[{Shape}]";
}
