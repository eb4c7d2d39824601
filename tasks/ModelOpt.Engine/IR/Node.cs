using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>
/// One operator application. Attributes, the doc string and any fields this version of ModelOpt
/// does not know stay in the original <see cref="NodeProto"/>; inputs and outputs are live links
/// to <see cref="Value"/>s.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = [];
    private readonly List<Value?> _outputs = [];
    private readonly Dictionary<string, Graph> _subgraphs = new(StringComparer.Ordinal);
    private Tensor? _constantOutput;
    private bool _constantResolved;

    internal Node(NodeProto proto, Graph owner)
    {
        Proto = proto;
        Owner = owner;
    }

    /// <summary>The node's message: name, op type, domain, attributes; inputs and outputs are rewritten on save.</summary>
    public NodeProto Proto { get; }

    public Graph Owner { get; internal set; }

    public string Name
    {
        get => Proto.Name;
        set => Proto.Name = value;
    }

    public string OpType => Proto.OpType;

    /// <summary>The operator set domain; "" and "ai.onnx" both mean the default ONNX domain.</summary>
    public string Domain => Proto.Domain == "ai.onnx" ? "" : Proto.Domain;

    /// <summary>Inputs in order; null where an optional input is left out.</summary>
    public IReadOnlyList<Value?> Inputs => _inputs;

    /// <summary>Outputs in order; null where an optional output is not produced.</summary>
    public IReadOnlyList<Value?> Outputs => _outputs;

    /// <summary>Subgraph attributes (If's branches, Loop's and Scan's bodies), by attribute name (GRAPHS as name[i]).</summary>
    public IReadOnlyDictionary<string, Graph> Subgraphs => _subgraphs;

    /// <summary>Values from enclosing scopes that this node's subgraphs read.</summary>
    public IEnumerable<Value> ImplicitInputs => _subgraphs.Values.SelectMany(g => g.OuterScopeReads).Distinct();

    internal LinkedListNode<Node>? ListNode { get; set; }

    public Value? Input(int index) => index < _inputs.Count ? _inputs[index] : null;

    public Value Output(int index = 0) => _outputs[index] ?? throw new InvalidOperationException($"Node '{Name}' has no output {index}.");

    public AttributeProto? Attribute(string name)
    {
        foreach (var a in Proto.Attribute)
            if (a.Name == name) return a;
        return null;
    }

    public long GetInt(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    public float GetFloat(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    public string GetString(string name, string fallback) => Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? GetInts(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    public float[]? GetFloats(string name) => Attribute(name) is { } a ? a.Floats.ToArray() : null;

    public void SetInt(string name, long value) => SetAttribute(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    public void SetInts(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        SetAttribute(a);
    }

    public void SetFloats(string name, IEnumerable<float> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        SetAttribute(a);
    }

    public void SetFloat(string name, float value) => SetAttribute(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    public void SetString(string name, string value) =>
        SetAttribute(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) });

    public void SetAttribute(AttributeProto attribute)
    {
        RemoveAttribute(attribute.Name);
        Proto.Attribute.Add(attribute);
        _constantResolved = false;
    }

    public void RemoveAttribute(string name)
    {
        for (int i = Proto.Attribute.Count - 1; i >= 0; i--)
            if (Proto.Attribute[i].Name == name) Proto.Attribute.RemoveAt(i);
        // A Constant node's value lives in its attributes: a cached value would go stale.
        _constantResolved = false;
    }

    /// <summary>Points input <paramref name="index"/> at <paramref name="value"/> (null leaves the slot empty), keeping uses in step.</summary>
    public void SetInput(int index, Value? value)
    {
        while (_inputs.Count <= index) _inputs.Add(null);
        _inputs[index]?.RemoveUse(this, index);
        _inputs[index] = value;
        value?.AddUse(this, index);
        _constantResolved = false;
    }

    public void AddInput(Value? value) => SetInput(_inputs.Count, value);

    /// <summary>Drops trailing inputs from <paramref name="count"/> on.</summary>
    public void TruncateInputs(int count)
    {
        for (int i = _inputs.Count - 1; i >= count; i--)
        {
            _inputs[i]?.RemoveUse(this, i);
            _inputs.RemoveAt(i);
        }
    }

    internal void AddOutput(Value? value)
    {
        if (value is not null)
        {
            value.Producer = this;
            value.OutputIndex = _outputs.Count;
        }
        _outputs.Add(value);
    }

    internal void DetachInputs()
    {
        for (int i = 0; i < _inputs.Count; i++) _inputs[i]?.RemoveUse(this, i);
        foreach (var v in ImplicitInputs) v.RemoveUse(this, -1);
    }

    internal void AddSubgraph(string attributeName, Graph graph) => _subgraphs[attributeName] = graph;

    /// <summary>The output of a <c>Constant</c> node as a tensor; null for any other node.</summary>
    public Tensor? ConstantOutput
    {
        get
        {
            if (_constantResolved) return _constantOutput;
            _constantResolved = true;
            _constantOutput = OpType == "Constant" && Domain.Length == 0 ? ConstantNodeValue.Read(this) : null;
            return _constantOutput;
        }
    }

    public override string ToString() => $"{OpType} '{Name}'";
}
