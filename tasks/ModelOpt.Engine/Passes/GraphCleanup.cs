using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// What the pipeline does after every pass: drop nodes nobody reads, drop unused initializers,
/// restore topological order, and check the graph is still well formed (so a pass bug is caught
/// here, naming the pass, instead of in ONNX Runtime).
/// </summary>
public static class GraphCleanup
{
    /// <summary>Returns the number of nodes and initializers removed.</summary>
    public static int Run(Model model, string afterPass)
    {
        int removed = Clean(model.Graph);
        var cycle = model.Graph.SortTopologically();
        if (cycle.Count > 0)
            throw new ModelOptException(ErrorCode.GraphHasCycle, model.SourcePath, $"after pass '{afterPass}' the graph has a cycle through {string.Join(", ", cycle.Take(5))}; this is a bug in that pass.");
        Check(model, model.Graph, afterPass);
        return removed;
    }

    private static int Clean(Graph graph)
    {
        int removed = 0;
        foreach (var node in graph.Nodes)
            foreach (var sub in node.Subgraphs.Values) removed += Clean(sub);

        // Reverse order: removing a reader can make its producer dead in the same sweep.
        foreach (var node in graph.Nodes.Reverse())
        {
            if (node.Outputs.All(o => o is null || (o.Uses.Count == 0 && !o.IsGraphOutput)))
            {
                graph.RemoveNode(node);
                removed++;
            }
        }
        foreach (var init in graph.Initializers.ToArray())
        {
            if (init.Uses.Count == 0 && !init.IsGraphInput && !init.IsGraphOutput)
            {
                graph.RemoveInitializer(init);
                removed++;
            }
        }
        return removed;
    }

    private static void Check(Model model, Graph graph, string afterPass)
    {
        ModelOptException Broken(string what) =>
            new(ErrorCode.GraphInvalid, model.SourcePath, $"after pass '{afterPass}': {what}; this is a bug in that pass.");

        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in graph.Inputs) produced.Add(v.Name);
        foreach (var v in graph.Initializers) produced.Add(v.Name);
        foreach (var node in graph.Nodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                var input = node.Inputs[i];
                if (input is null) continue;
                bool local = produced.Contains(input.Name);
                bool outer = !local && graph.Parent?.FindValue(input.Name) is not null;
                if (!local && !outer) throw Broken($"input {i} ('{input.Name}') of {node} is produced by nothing before it");
            }
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                if (!produced.Add(output.Name)) throw Broken($"value '{output.Name}' is produced twice");
            }
            foreach (var sub in node.Subgraphs.Values) Check(model, sub, afterPass);
        }
        foreach (var output in graph.Outputs)
            if (!produced.Contains(output.Name) && graph.Parent?.FindValue(output.Name) is null)
                throw Broken($"graph output '{output.Name}' is produced by nothing");
    }
}
