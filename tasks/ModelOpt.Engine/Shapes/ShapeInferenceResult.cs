using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>What one shape inference run did: the input shapes it used, its notes, and why nodes stayed unknown.</summary>
public sealed class ShapeInferenceResult
{
    private readonly List<string> _notes = [];
    private readonly Dictionary<Node, string> _unresolved = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, TensorShape> _inputShapes = new(StringComparer.Ordinal);
    private readonly HashSet<Graph> _notTaken = new(ReferenceEqualityComparer.Instance);

    /// <summary>The shapes graph inputs were given (bound, defaulted or as declared); the runtime provider gets these.</summary>
    public IReadOnlyDictionary<string, TensorShape> InputShapes => _inputShapes;

    /// <summary>Things the user should know: defaulted dimensions, runtime fill-ins.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Nodes whose outputs static inference could not determine, with the reason.</summary>
    public IReadOnlyDictionary<Node, string> Unresolved => _unresolved;

    /// <summary>Values whose shapes came from the runtime provider.</summary>
    public int RuntimeFilled { get; internal set; }

    /// <summary>
    /// If branches that bound values (<see cref="ValueBindings"/>) rule out: kept in the model, not
    /// inferred and not counted by the cost model.
    /// </summary>
    public IReadOnlyCollection<Graph> NotTaken => _notTaken;

    /// <summary>Whether <paramref name="node"/> sits, at any depth, inside a branch that is not taken.</summary>
    public bool IsNotTaken(Node node)
    {
        for (var g = node.Owner; g.OwnerNode is { } owner; g = owner.Owner)
            if (_notTaken.Contains(g)) return true;
        return false;
    }

    internal void MarkNotTaken(Graph branch) => _notTaken.Add(branch);

    internal void AddNote(string note) => _notes.Add(note);

    internal void SetInputShape(string name, TensorShape shape) => _inputShapes[name] = shape;

    internal void Unresolve(Node node, string reason) => _unresolved[node] = reason;

    internal void Resolve(Node node) => _unresolved.Remove(node);

    /// <summary>Why the node's outputs are unknown, or null when they were inferred.</summary>
    public string? ReasonFor(Node node) => _unresolved.GetValueOrDefault(node);
}
