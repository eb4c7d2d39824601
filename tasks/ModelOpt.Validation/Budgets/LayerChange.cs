using ModelOpt.Engine.Analysis;

namespace ModelOpt.Validation.Budgets;

/// <summary>One layer of the original model: its FLOPs before and after, and what became of it and why.</summary>
public sealed record LayerChange(string Name, string OpType, long? FlopsBefore, long? FlopsAfter, string Status, string? Why)
{
    /// <summary>
    /// Matches the original's nodes to the candidate's: by name, else the nodes a pass derived
    /// from it (named <c>NAME_…</c>, as separable and lowrank name theirs). Nodes without FLOPs
    /// (Relu, Flatten) are left out: the table is about where the compute goes.
    /// </summary>
    public static IReadOnlyList<LayerChange> Compare(IReadOnlyList<NodeCost> before, IReadOnlyList<NodeCost> after, IReadOnlyDictionary<string, string> reasons)
    {
        var afterByName = after.Where(n => n.Name.Length > 0).GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.First());
        var originalNames = new HashSet<string>(before.Select(n => n.Name));
        var result = new List<LayerChange>();
        foreach (var node in before)
        {
            if (node.Name.Length == 0 || (node.Flops ?? 0) == 0 && node.Parameters == 0) continue;
            long? flopsAfter;
            string status;
            if (afterByName.TryGetValue(node.Name, out var same))
            {
                flopsAfter = same.Flops;
                status = same.Flops == node.Flops && same.OpType == node.OpType ? "kept" : "changed";
            }
            else
            {
                var derived = after.Where(n => n.Name.StartsWith(node.Name + "_", StringComparison.Ordinal) && !originalNames.Contains(n.Name)).ToList();
                flopsAfter = derived.Count == 0 ? 0 : derived.Any(d => d.Flops is null) ? null : derived.Sum(d => d.Flops!.Value);
                status = derived.Count == 0 ? "removed" : "rewritten";
            }
            result.Add(new LayerChange(node.Name, node.OpType, node.Flops, flopsAfter, status, reasons.GetValueOrDefault(node.Name)));
        }
        return result;
    }

    /// <summary>
    /// Per node, what every pass said about it (notes of the form <c>NAME: …</c>), in pass order:
    /// <c>prune: 5 → 3 channels; refit: not refit, …</c>. Only the last one would hide what an earlier pass did.
    /// </summary>
    public static Dictionary<string, string> ReasonsFrom(IEnumerable<(string Pass, string Note)> notes, IEnumerable<string> nodeNames)
    {
        var names = new HashSet<string>(nodeNames.Where(n => n.Length > 0));
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (pass, note) in notes)
        {
            int colon = note.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0 || !names.Contains(note[..colon])) continue;
            string reason = $"{pass}: {note[(colon + 2)..]}";
            reasons[note[..colon]] = reasons.TryGetValue(note[..colon], out string? earlier) ? $"{earlier}; {reason}" : reason;
        }
        return reasons;
    }
}
