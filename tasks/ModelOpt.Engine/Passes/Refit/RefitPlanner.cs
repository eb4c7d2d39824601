using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// A layer to refit and the teacher value it should reproduce: all of it, or only the channels
/// (axis 1) at <see cref="Channels"/> when the layer's outputs were pruned.
/// </summary>
internal sealed record RefitTarget(LinearLayer Layer, string TeacherValue, IReadOnlyList<int>? Channels = null);

/// <summary>
/// Chooses the layers to refit by comparing the student with the teacher, so it works after any
/// pass that compresses layers (separable, prune, …) without the pass having to say so.
/// </summary>
/// <remarks>
/// Walking linear layers in topological order: a layer is <em>unchanged</em> when the teacher's
/// value of the same name (or the one recorded in <see cref="TeacherCorrespondence"/>) is produced
/// by the same op with the same attributes and byte-identical constant inputs. A changed layer that
/// is not itself refit is <em>compressed</em> (a separable depthwise conv, a pruned conv or Gemm).
/// "after-compressed" refits each linear layer whose nearest linear layers upstream include a
/// compressed one; "all" refits every layer that is changed or reads from a changed one. A refit
/// layer is not counted as compressed for the layers after it: it now reproduces the teacher —
/// unless its outputs were pruned: it is then fitted to the teacher's channels it kept, and the
/// layers after it, which lost the others, are refit too.
/// </remarks>
internal static class RefitPlanner
{
    public static List<RefitTarget> Plan(Model student, Model teacher, PassContext context, RefitLayers mode, List<string> notes)
    {
        var changed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var compressed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var targets = new List<RefitTarget>();
        foreach (var node in student.Graph.Nodes.Where(LinearLayer.IsLinear).ToList())
        {
            var upstream = NearestLinearUpstream(node);
            string teacherName = context.TeacherValues.TeacherNameOf(node.Output(0));
            var teacherValue = teacher.Graph.FindLocalValue(teacherName);
            bool unchanged = IsUnchanged(node, teacherValue?.Producer);
            bool readsChanged = upstream.Any(changed.Contains);
            bool wanted = mode == RefitLayers.AfterCompressed ? upstream.Any(compressed.Contains) : !unchanged || readsChanged;

            var target = wanted ? TryTarget(node, teacherValue, context, notes) : null;
            if (target is not null) targets.Add(target);
            if (!unchanged || readsChanged) changed.Add(node);
            // A layer refit to the channels pruning kept still lacks the others: the layers after it are refit too.
            if (!unchanged && (target is null || target.Channels is not null)) compressed.Add(node);
        }
        return targets;
    }

    private static RefitTarget? TryTarget(Node node, Value? teacherValue, PassContext context, List<string> notes)
    {
        string name = node.Name.Length > 0 ? node.Name : node.Output(0).Name;
        if (context.SettingsFor(RefitPass.PassName, node) is null)
        {
            notes.Add($"{name}: left alone by the configuration");
            return null;
        }
        if (teacherValue is null)
        {
            notes.Add($"{name}: skipped, the teacher has no value '{context.TeacherValues.TeacherNameOf(node.Output(0))}' to match");
            return null;
        }
        if (LinearLayer.TryCreate(node, out string why) is not { } layer)
        {
            notes.Add($"{name}: skipped, {why}");
            return null;
        }
        IReadOnlyList<int>? channels = null;
        if (teacherValue.Producer is { } producer && LinearLayer.IsLinear(producer)
            && LinearLayer.TryCreate(producer, out _) is { } teacherLayer && teacherLayer.Outputs != layer.Outputs)
        {
            channels = context.TeacherValues.TeacherChannelsOf(node.Output(0));
            if (channels is null || channels.Count != layer.Outputs || channels.Any(c => c >= teacherLayer.Outputs))
            {
                notes.Add($"{name}: skipped, it has {layer.Outputs} outputs where the teacher's layer has {teacherLayer.Outputs} (pruned outputs) and no record of which it kept");
                return null;
            }
        }
        if (layer.ZeroFraction >= 0.5)
        {
            notes.Add($"{name}: skipped, {layer.ZeroFraction:P0} of its weights are zero (pruned) and a refit would undo that");
            return null;
        }
        return new RefitTarget(layer, teacherValue.Name, channels);
    }

    /// <summary>The linear layers whose outputs reach <paramref name="node"/>'s data input through non-linear ops only.</summary>
    private static HashSet<Node> NearestLinearUpstream(Node node)
    {
        var found = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Value>();
        if (node.Input(0) is { } first) pending.Push(first);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (!seen.Add(value) || value.ConstantValue is not null || value.Producer is not { } producer) continue;
            if (LinearLayer.IsLinear(producer)) found.Add(producer);
            else
                foreach (var input in producer.Inputs)
                    if (input is not null) pending.Push(input);
        }
        return found;
    }

    private static bool IsUnchanged(Node student, Node? teacher)
    {
        if (teacher is null || teacher.OpType != student.OpType || teacher.Domain != student.Domain || teacher.Inputs.Count != student.Inputs.Count) return false;
        if (!teacher.Proto.Attribute.Equals(student.Proto.Attribute)) return false;
        for (int i = 0; i < student.Inputs.Count; i++)
        {
            var s = student.Inputs[i]?.ConstantValue;
            var t = teacher.Inputs[i]?.ConstantValue;
            if (s is null != t is null) return false;
            if (s is not null && (s.DataType != t!.DataType || !s.Dims.AsSpan().SequenceEqual(t.Dims) || !s.Bytes.SequenceEqual(t.Bytes))) return false;
        }
        return true;
    }
}
