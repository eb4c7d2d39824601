using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>Removes Identity, and Dropout whose mask nobody reads (at inference Dropout passes its input through).</summary>
internal static class IdentityRemoval
{
    public static int Run(Graph graph, List<string> notes)
    {
        int removed = 0;
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Identity" or "Dropout")) continue;
            if (node.Input(0) is not { } input || node.Outputs.Count == 0 || node.Outputs[0] is not { } output) continue;
            if (node.OpType == "Dropout" && node.Outputs.Count > 1 && node.Outputs[1] is { } mask && (mask.Uses.Count > 0 || mask.IsGraphOutput))
            {
                notes.Add($"kept {node}: its mask output is used");
                continue;
            }
            if (output.IsGraphOutput && (input.IsGraphInput || input.IsGraphOutput || input.Producer is null))
            {
                // Removing it would rename a graph input or merge two outputs: the model's interface would change.
                continue;
            }
            graph.ReplaceAllUses(output, input);
            graph.RemoveNode(node, force: true);
            removed++;
        }
        return removed;
    }
}
