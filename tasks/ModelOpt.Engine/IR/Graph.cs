using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>
/// A graph: inputs, outputs, initializers and nodes, linked through <see cref="Value"/>s. The main
/// graph and every subgraph (If/Loop/Scan bodies) are instances of this class; a subgraph resolves
/// names it does not define in its enclosing graphs.
/// </summary>
public sealed class Graph
{
    private readonly LinkedList<Node> _nodes = new();
    private readonly List<Value> _inputs = [];
    private readonly List<Value> _outputs = [];
    private readonly List<Value> _initializers = [];
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly HashSet<Value> _outerReads = [];

    internal Graph(GraphProto template, Model model, Graph? parent, Node? ownerNode)
    {
        Template = template;
        Model = model;
        Parent = parent;
        OwnerNode = ownerNode;
    }

    /// <summary>The graph's own fields other than its nodes, values and initializers, written back unchanged.</summary>
    public GraphProto Template { get; }

    public Model Model { get; }

    public Graph? Parent { get; internal set; }

    /// <summary>For a subgraph, the node (If, Loop, Scan, …) that holds it.</summary>
    public Node? OwnerNode { get; }

    public string Name
    {
        get => Template.Name;
        set => Template.Name = value;
    }

    public IReadOnlyList<Value> Inputs => _inputs;

    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>Initializers in file order.</summary>
    public IReadOnlyList<Value> Initializers => _initializers;

    public int NodeCount => _nodes.Count;

    /// <summary>
    /// The nodes in order. Enumeration is safe while nodes are removed or inserted: it walks a
    /// snapshot and skips nodes removed meanwhile; nodes inserted meanwhile are not visited.
    /// </summary>
    public IEnumerable<Node> Nodes
    {
        get
        {
            foreach (var node in _nodes.ToArray())
                if (node.ListNode?.List is not null) yield return node;
        }
    }

    /// <summary>Every node here and in subgraphs, depth first.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var node in Nodes)
        {
            yield return node;
            foreach (var sub in node.Subgraphs.Values)
                foreach (var inner in sub.AllNodes()) yield return inner;
        }
    }

    /// <summary>Values defined in this graph (inputs, initializers, node outputs).</summary>
    public IEnumerable<Value> Values => _values.Values;

    /// <summary>Values of enclosing graphs that nodes in this graph (or deeper) read.</summary>
    public IReadOnlyCollection<Value> OuterScopeReads => _outerReads;

    /// <summary>Finds a value by name here or, for a subgraph, in the enclosing graphs.</summary>
    public Value? FindValue(string name)
    {
        for (var g = this; g is not null; g = g.Parent)
            if (g._values.TryGetValue(name, out var v)) return v;
        return null;
    }

    public Value? FindLocalValue(string name) => _values.GetValueOrDefault(name);

    public Node? FindNode(string name) => _nodes.FirstOrDefault(n => n.Name == name);

    // ---- building (used by the reader and by passes) ----

    /// <summary>A new value defined in this graph, named uniquely from <paramref name="hint"/>.</summary>
    public Value NewValue(string hint)
    {
        var v = new Value(Model.ValueNames.Unique(hint));
        _values[v.Name] = v;
        return v;
    }

    internal Value DefineValue(string name)
    {
        var v = new Value(name);
        _values[name] = v;
        Model.ValueNames.Reserve(name);
        return v;
    }

    /// <summary>Declares a new graph input; dimensions given as null are symbolic (named by <paramref name="symbols"/> when given).</summary>
    public Value AddInput(string name, TensorProto.Types.DataType type, long?[] dims, string?[]? symbols = null)
    {
        if (FindLocalValue(name) is not null) throw new InvalidOperationException($"A value named '{name}' already exists.");
        var v = DefineValue(name);
        v.ElementType = type;
        v.Shape = new TensorShape(dims.Select((d, i) => d is long n ? Dim.Of(n) : Dim.Unknown(symbols?[i])));
        v.ShapeSource = ShapeSource.Declared;
        AddInputValue(v);
        return v;
    }

    internal void AddInputValue(Value value)
    {
        value.IsGraphInput = true;
        _inputs.Add(value);
    }

    public void AddOutput(Value value)
    {
        value.IsGraphOutput = true;
        _outputs.Add(value);
    }

    /// <summary>Stops exposing <paramref name="value"/> as a graph output (what produced it stays until a cleanup finds it unread).</summary>
    public void RemoveOutput(Value value)
    {
        if (!_outputs.Remove(value)) throw new InvalidOperationException($"'{value.Name}' is not an output of graph '{Name}'.");
        value.IsGraphOutput = _outputs.Contains(value);
    }

    /// <summary>Adds a constant under a unique name derived from the tensor's name.</summary>
    public Value AddInitializer(Tensor tensor)
    {
        string name = Model.ValueNames.Unique(tensor.Name.Length > 0 ? tensor.Name : "const");
        if (name != tensor.Name) tensor = tensor.WithName(name);
        var v = new Value(name) { Initializer = tensor, ElementType = tensor.DataType, Shape = tensor.Shape, ShapeSource = ShapeSource.Declared };
        _values[name] = v;
        _initializers.Add(v);
        return v;
    }

    internal void AddInitializerValue(Value value) => _initializers.Add(value);

    /// <summary>
    /// Creates a node with fresh output values and inserts it before <paramref name="before"/>
    /// (or at the end).
    /// </summary>
    public Node CreateNode(string opType, IEnumerable<Value?> inputs, int outputCount = 1, string? name = null,
        string domain = "", Node? before = null)
    {
        var proto = new NodeProto { OpType = opType, Name = Model.NodeNames.Unique(name ?? opType) };
        if (domain.Length > 0) proto.Domain = domain;
        var node = new Node(proto, this);
        foreach (var input in inputs) node.AddInput(input);
        for (int i = 0; i < outputCount; i++) node.AddOutput(NewValue($"{proto.Name}_out{(outputCount > 1 ? i.ToString() : "")}"));
        if (before is null) Append(node);
        else InsertBefore(before, node);
        return node;
    }

    internal void Append(Node node) => node.ListNode = _nodes.AddLast(node);

    public void InsertBefore(Node anchor, Node node) => node.ListNode = _nodes.AddBefore(RequireListed(anchor), node);

    public void InsertAfter(Node anchor, Node node) => node.ListNode = _nodes.AddAfter(RequireListed(anchor), node);

    /// <summary>
    /// Removes a node. Its outputs must be unused unless <paramref name="force"/> is set (then
    /// readers are left pointing at values without a producer, for the caller to rewire).
    /// </summary>
    public void RemoveNode(Node node, bool force = false)
    {
        if (!force)
        {
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                if (output.Uses.Count > 0 || output.IsGraphOutput)
                    throw new InvalidOperationException($"Cannot remove {node}: its output '{output.Name}' is still used.");
            }
        }
        node.DetachInputs();
        _nodes.Remove(RequireListed(node));
        node.ListNode = null;
        foreach (var output in node.Outputs)
        {
            if (output is null) continue;
            output.Producer = null;
            if (output.Uses.Count == 0 && !output.IsGraphOutput) _values.Remove(output.Name);
        }
    }

    /// <summary>
    /// Makes every reader of <paramref name="old"/> read <paramref name="replacement"/> instead. When
    /// <paramref name="old"/> is a graph output the replacement takes its place and its name, so the
    /// model's interface does not change.
    /// </summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        if (ReferenceEquals(old, replacement)) return;
        foreach (var use in old.Uses.ToArray())
        {
            if (use.InputIndex >= 0)
            {
                use.Node.SetInput(use.InputIndex, replacement);
                continue;
            }
            // A node whose subgraphs read the value: it now implicitly reads the replacement.
            old.RemoveUse(use.Node, -1);
            if (!replacement.Uses.Contains(use)) replacement.AddUse(use.Node, -1);
            foreach (var sub in use.Node.Subgraphs.Values) sub.ReplaceOuterRead(old, replacement);
        }
        if (old.IsGraphOutput)
        {
            int slot = _outputs.IndexOf(old);
            old.IsGraphOutput = false;
            replacement.IsGraphOutput = true;
            _outputs[slot] = replacement;
            string interfaceName = old.Name;
            Rename(old, Model.ValueNames.Unique(interfaceName + "_replaced"));
            Rename(replacement, interfaceName);
            replacement.Declaration ??= old.Declaration;
            if (replacement.ElementType == TensorProto.Types.DataType.Undefined) replacement.ElementType = old.ElementType;
            if (replacement.Shape is null && old.Shape is not null)
            {
                replacement.Shape = old.Shape;
                replacement.ShapeSource = old.ShapeSource;
            }
        }
    }

    /// <summary>
    /// <see cref="ReplaceAllUses"/>, and the replacement also takes the old value's name where it is
    /// not a graph output (which <see cref="ReplaceAllUses"/> renames itself): readers, teacher
    /// matching and per-node settings know a value by name. The old value keeps a unique name
    /// ending in <paramref name="oldSuffix"/>.
    /// </summary>
    public void ReplaceKeepingName(Value old, Value replacement, string oldSuffix)
    {
        string name = old.Name;
        bool interfaceOutput = old.IsGraphOutput;
        ReplaceAllUses(old, replacement);
        if (interfaceOutput) return;
        Rename(old, Model.ValueNames.Unique(name + oldSuffix));
        Rename(replacement, name);
    }

    public void RemoveInitializer(Value value)
    {
        if (value.Uses.Count > 0) throw new InvalidOperationException($"Initializer '{value.Name}' is still used.");
        _initializers.Remove(value);
        if (!value.IsGraphInput) _values.Remove(value.Name);
    }

    /// <summary>Renames a value defined in this graph.</summary>
    public void Rename(Value value, string newName)
    {
        _values.Remove(value.Name);
        value.Name = newName;
        Model.ValueNames.Reserve(newName);
        _values[newName] = value;
        if (value.Initializer is { } t && t.Name != newName) value.Initializer = t.WithName(newName);
    }

    internal void RecordOuterRead(Value value) => _outerReads.Add(value);

    private void ReplaceOuterRead(Value old, Value replacement)
    {
        if (!_outerReads.Remove(old)) return;
        _outerReads.Add(replacement);
        foreach (var node in _nodes)
            foreach (var sub in node.Subgraphs.Values) sub.ReplaceOuterRead(old, replacement);
    }

    /// <summary>
    /// Stops listing an initializer among the graph's inputs (IR 3 required every initializer to be
    /// one; from IR 4 a listed initializer is an overridable input, which ONNX Runtime does not fold).
    /// </summary>
    internal void UnlistInitializerInput(Value value)
    {
        if (value.Initializer is null || !_inputs.Remove(value)) return;
        value.IsGraphInput = false;
    }

    /// <summary>Removes a graph input that nothing reads any more (an input whose bound value a rewrite folded in).</summary>
    public void RemoveInput(Value value)
    {
        if (value.Uses.Count > 0) throw new InvalidOperationException($"Input '{value.Name}' is still used.");
        if (!_inputs.Remove(value)) throw new InvalidOperationException($"'{value.Name}' is not an input of graph '{Name}'.");
        value.IsGraphInput = false;
        if (value.Initializer is null && !value.IsGraphOutput) _values.Remove(value.Name);
    }

    /// <summary>
    /// Moves <paramref name="node"/> from its (sub)graph into this one, before <paramref name="before"/>,
    /// with the values it produces; subgraphs it holds now resolve outer names through this graph.
    /// The caller renames clashing values first and keeps the order of producers and readers.
    /// </summary>
    internal void AdoptNode(Node node, Node before)
    {
        var from = node.Owner;
        from._nodes.Remove(from.RequireListed(node));
        foreach (var output in node.Outputs)
        {
            if (output is null) continue;
            from._values.Remove(output.Name);
            _values[output.Name] = output;
        }
        node.Owner = this;
        InsertBefore(before, node);
        foreach (var sub in node.Subgraphs.Values) sub.Parent = this;
    }

    /// <summary>Moves an initializer of a subgraph into this graph (same value, same readers).</summary>
    internal void AdoptInitializer(Value value, Graph from)
    {
        from._initializers.Remove(value);
        from._values.Remove(value.Name);
        _initializers.Add(value);
        _values[value.Name] = value;
    }

    /// <summary>
    /// Orders nodes so every producer comes before its readers (Kahn's algorithm, stable: ties keep
    /// file order). Returns the nodes on a cycle, or an empty list when the sort succeeded.
    /// </summary>
    public IReadOnlyList<Node> SortTopologically()
    {
        var order = new List<Node>(_nodes.Count);
        var pending = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        int k = 0;
        foreach (var node in _nodes) index[node] = k++;

        foreach (var node in _nodes)
        {
            int count = 0;
            foreach (var producer in ProducersInThisGraph(node)) count++;
            pending[node] = count;
        }

        var ready = new PriorityQueue<Node, int>();
        foreach (var (node, count) in pending)
            if (count == 0) ready.Enqueue(node, index[node]);

        var readers = new Dictionary<Node, List<Node>>(ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes)
            foreach (var producer in ProducersInThisGraph(node))
            {
                if (!readers.TryGetValue(producer, out var list)) readers[producer] = list = [];
                list.Add(node);
            }

        while (ready.TryDequeue(out var node, out _))
        {
            order.Add(node);
            if (!readers.TryGetValue(node, out var list)) continue;
            foreach (var reader in list)
                if (--pending[reader] == 0) ready.Enqueue(reader, index[reader]);
        }

        if (order.Count != _nodes.Count)
            return _nodes.Where(n => pending[n] > 0).ToList();

        _nodes.Clear();
        foreach (var node in order) node.ListNode = _nodes.AddLast(node);
        return [];
    }

    // One entry per input edge (duplicates counted), restricted to producers in this graph; a
    // subgraph's reads of values produced here count as edges of the node that owns the subgraph.
    private IEnumerable<Node> ProducersInThisGraph(Node node)
    {
        foreach (var input in node.Inputs)
            if (input?.Producer is { } p && ReferenceEquals(p.Owner, this)) yield return p;
        foreach (var implicitInput in node.ImplicitInputs)
            if (implicitInput.Producer is { } p && ReferenceEquals(p.Owner, this)) yield return p;
    }

    private LinkedListNode<Node> RequireListed(Node node) =>
        node.ListNode is { } ln && ReferenceEquals(ln.List, _nodes) ? ln : throw new InvalidOperationException($"{node} is not in graph '{Name}'.");

    public override string ToString() => $"graph '{Name}' ({_nodes.Count} nodes)";
}
