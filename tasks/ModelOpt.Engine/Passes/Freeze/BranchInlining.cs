using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>
/// Replaces an If of the main graph whose condition is known — from constants, or from the values
/// the user bound (<c>--value sr=16000</c>) — by the nodes of the branch it takes, so the passes
/// after it see the compute (Silero VAD keeps its whole network in the branch its sample rate
/// selects). Repeated until no If is left whose condition is known, since an inlined branch may
/// hold Ifs of its own decided by the same values.
/// </summary>
/// <remarks>
/// Branch values keep their names unless one is taken in the main graph; the If's outputs keep
/// theirs (the branch outputs are renamed to them), so readers and graph outputs do not change.
/// A bound input nothing reads afterwards is removed from the model's inputs and recorded in its
/// metadata (<see cref="SpecializedInputs"/>): the model now serves that value only, and a caller
/// still feeding it gets an error from ONNX Runtime instead of silently wrong results. An If whose
/// condition stays unknown is left as it is, with a note naming the condition.
/// </remarks>
internal static class BranchInlining
{
    public static int Run(Model model, PassContext context, List<string> notes)
    {
        var graph = model.Graph;
        if (!graph.Nodes.Any(IsIf)) return 0;
        var boundBefore = graph.Inputs.Where(v => v.Initializer is null && context.Bindings.Values.Specs.ContainsKey(v.Name)).ToList();
        int inlined = 0;
        var taken = new List<string>();
        while (true)
        {
            ShapeInference.Run(model, context.Bindings);
            var decided = graph.Nodes.Where(IsIf).Select(n => (Node: n, Condition: Condition(n))).Where(p => p.Condition is not null).ToList();
            if (decided.Count == 0) break;
            foreach (var (node, condition) in decided)
            {
                Inline(graph, node, condition!.Value);
                taken.Add($"'{node.Name}' ({(condition.Value ? "then" : "else")})");
                inlined++;
            }
        }
        if (inlined > 0)
        {
            RemoveDeadNodes(graph);
            notes.Add($"{inlined} If node(s) whose condition the {(boundBefore.Count > 0 ? "bound values" : "constants")} decide replaced by the branch they take: {Summarize(taken)}");
            foreach (var input in boundBefore.Where(v => v.Uses.Count == 0 && !v.IsGraphOutput))
            {
                string spec = context.Bindings.Values.Specs[input.Name];
                graph.RemoveInput(input);
                SpecializedInputs.Add(model, input.Name, spec);
                notes.Add($"input '{input.Name}' removed: the model is specialized for {input.Name}={spec} (set \"freeze\": {{ \"inlineBranches\": false }} to keep the If and the input)");
            }
        }
        foreach (var node in graph.Nodes.Where(IsIf))
            notes.Add($"If '{node.Name}' left as it is: its condition '{node.Input(0)?.Name}' is not known from constants or bound values{BindHint(node)}");
        return inlined;
    }

    private static bool IsIf(Node node) => node.Domain.Length == 0 && node.OpType == "If"
        && node.Subgraphs.ContainsKey("then_branch") && node.Subgraphs.ContainsKey("else_branch");

    private static bool? Condition(Node node)
    {
        if (node.Input(0) is not { } cond) return null;
        var tensor = cond.ConstantValue ?? (cond.IsGraphInput ? cond.BoundValue : null);
        if (tensor is not { ElementCount: 1 }) return null;
        try
        {
            return tensor.ToFloats()[0] != 0;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static void Inline(Graph graph, Node node, bool condition)
    {
        var branch = node.Subgraphs[condition ? "then_branch" : "else_branch"];
        var skipped = node.Subgraphs[condition ? "else_branch" : "then_branch"];
        // The branch not taken is dropped: its reads of main-graph values must go with it.
        foreach (var n in skipped.AllNodes().ToList()) n.DetachInputs();

        var moved = new HashSet<Value>();
        foreach (var init in branch.Initializers.ToList())
        {
            MakeNameFree(graph, branch, init);
            graph.AdoptInitializer(init, branch);
            moved.Add(init);
        }
        foreach (var n in branch.Nodes.ToList())
        {
            foreach (var output in n.Outputs)
            {
                if (output is null) continue;
                MakeNameFree(graph, branch, output);
                moved.Add(output);
            }
            graph.AdoptNode(n, before: node);
        }
        // The branch's outputs are values of the main graph now, not outputs of a graph.
        foreach (var output in branch.Outputs)
            if (moved.Contains(output)) output.IsGraphOutput = false;

        var seen = new HashSet<Value>();
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } result) continue;
            var produced = branch.Outputs[i];
            if (!moved.Contains(produced) || !seen.Add(produced))
            {
                // An outer value, or one the branch returns twice: an Identity gives the If's output its own producer.
                var identity = graph.CreateNode("Identity", [produced], name: $"{node.Name}_out{i}", before: node);
                produced = identity.Output(0);
                produced.ElementType = result.ElementType;
                produced.Shape = result.Shape;
            }
            graph.ReplaceKeepingName(result, produced, "_if");
        }
        graph.RemoveNode(node);
    }

    // Branch values keep their names unless the main graph already has one of that name.
    private static void MakeNameFree(Graph graph, Graph branch, Value value)
    {
        if (graph.FindLocalValue(value.Name) is null) return;
        branch.Rename(value, graph.Model.ValueNames.Unique(value.Name));
    }

    private static void RemoveDeadNodes(Graph graph)
    {
        bool removed = true;
        while (removed)
        {
            removed = false;
            foreach (var node in graph.Nodes.Reverse())
            {
                if (node.Outputs.All(o => o is null || (o.Uses.Count == 0 && !o.IsGraphOutput)))
                {
                    graph.RemoveNode(node);
                    removed = true;
                }
            }
        }
    }

    private static string BindHint(Node node)
    {
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Value>();
        var visited = new HashSet<Value>();
        if (node.Input(0) is { } c) stack.Push(c);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (!visited.Add(v)) continue;
            if (v.IsGraphInput && v.Initializer is null) inputs.Add(v.Name);
            if (v.Producer is { } p)
                foreach (var i in p.Inputs)
                    if (i is not null) stack.Push(i);
        }
        return inputs.Count == 0 ? "" : $" (it depends on input(s) {string.Join(", ", inputs.Order().Select(n => $"'{n}'"))}: bind them with {OptionNames.Value.Name} to inline the branch they select)";
    }

    private static string Summarize(List<string> taken) =>
        taken.Count <= 4 ? string.Join(", ", taken) : $"{string.Join(", ", taken.Take(4))} and {taken.Count - 4} more";
}
