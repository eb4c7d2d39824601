using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// One cut a group's pruning makes: along <see cref="Axis"/> of the constant at input
/// <see cref="Input"/> of <see cref="Node"/>, channel c of the group sits at positions
/// (<see cref="Offset"/> + c)·<see cref="Block"/> … +<see cref="Block"/>−1 (Block &gt; 1 after a Flatten).
/// </summary>
internal sealed record SliceRequest(Node Node, int Input, int Axis, int Offset, int Block, int Group);

/// <summary>
/// Channel groups: sets of channels that must be kept or removed together (a conv's filters, tied
/// through residual Adds to other convs' filters). A union-find over the groups created by each
/// producing conv, with the reasons a group may not be pruned and every cut its pruning implies.
/// </summary>
internal sealed class ChannelGroups
{
    private readonly List<int> _parent = [];
    private readonly List<int> _count = [];
    private readonly List<Node> _firstProducer = [];
    private readonly Dictionary<int, List<string>> _reasons = [];
    private readonly Dictionary<int, List<Node>> _producers = [];
    private readonly Dictionary<int, double> _ratioCap = [];

    public List<SliceRequest> Requests { get; } = [];

    /// <summary>Depthwise convs whose <c>group</c> attribute must follow their new channel count.</summary>
    public HashSet<Node> DepthwiseConvs { get; } = [];

    /// <summary>Values whose channel axis follows a layout (their stored shapes are updated).</summary>
    public Dictionary<Value, ChannelLayout> Layouts { get; } = [];

    public int Create(Node producer, int count)
    {
        int id = _parent.Count;
        _parent.Add(id);
        _count.Add(count);
        _firstProducer.Add(producer);
        _producers[id] = [producer];
        return id;
    }

    public int Find(int group)
    {
        while (_parent[group] != group)
        {
            _parent[group] = _parent[_parent[group]];
            group = _parent[group];
        }
        return group;
    }

    public void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b) return;
        if (_count[a] != _count[b]) throw new InvalidOperationException($"channel groups of {_count[a]} and {_count[b]} channels cannot be tied.");
        if (b < a) (a, b) = (b, a);
        _parent[b] = a;
        _producers[a].AddRange(_producers[b]);
        _producers.Remove(b);
        if (_reasons.Remove(b, out var reasons)) Reasons(a).AddRange(reasons);
        if (_ratioCap.Remove(b, out double cap)) CapRatio(a, cap);
    }

    public void Block(int group, string reason)
    {
        if (group == ChannelSegment.Fixed) return;
        var list = Reasons(Find(group));
        if (!list.Contains(reason)) list.Add(reason);
    }

    public void Block(ChannelLayout? layout, string reason)
    {
        if (layout is null) return;
        foreach (var s in layout.Segments) Block(s.Group, reason);
    }

    /// <summary>A per-node ratio from the configuration; when several convs of a group disagree the smallest wins.</summary>
    public void CapRatio(int group, double ratio)
    {
        group = Find(group);
        _ratioCap[group] = _ratioCap.TryGetValue(group, out double old) ? Math.Min(old, ratio) : ratio;
    }

    public double? RatioCap(int root) => _ratioCap.TryGetValue(root, out double r) ? r : null;

    public IEnumerable<int> Roots => Enumerable.Range(0, _parent.Count).Where(g => Find(g) == g);

    public int Count(int group) => _count[Find(group)];

    public IReadOnlyList<Node> Producers(int root) => _producers[root];

    /// <summary>How the group is named in notes: its first conv.</summary>
    public string Name(int root) => _firstProducer[root].Name;

    public IReadOnlyList<string> BlockReasons(int root) => _reasons.TryGetValue(root, out var r) ? r : [];

    private List<string> Reasons(int root)
    {
        if (!_reasons.TryGetValue(root, out var list)) _reasons[root] = list = [];
        return list;
    }
}
