using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// The nodes of one graph with producers before readers, computed without reordering the graph
/// (analysis must not change the model). Nodes on a cycle come last, in file order.
/// </summary>
internal static class TopologicalOrder
{
    public static List<Node> Of(Graph graph)
    {
        var nodes = graph.Nodes.ToList();
        var index = new Dictionary<Node, int>(nodes.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) index[nodes[i]] = i;
        var pending = new int[nodes.Count];
        var readers = new List<int>?[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var value in Reads(nodes[i]))
            {
                if (value?.Producer is not { } p || !index.TryGetValue(p, out int pi)) continue;
                pending[i]++;
                (readers[pi] ??= []).Add(i);
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++)
            if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(nodes.Count);
        var done = new bool[nodes.Count];
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(nodes[i]);
            done[i] = true;
            if (readers[i] is not { } list) continue;
            foreach (int r in list)
                if (--pending[r] == 0) ready.Enqueue(r, r);
        }
        for (int i = 0; i < nodes.Count; i++)
            if (!done[i]) order.Add(nodes[i]);
        return order;
    }

    private static IEnumerable<Value?> Reads(Node node) =>
        node.Subgraphs.Count == 0 ? node.Inputs : node.Inputs.Concat(node.ImplicitInputs);
}
