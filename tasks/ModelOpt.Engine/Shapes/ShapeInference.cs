using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// Static shape inference: binds the graph inputs, then walks the nodes in topological order and
/// sets each output's element type and shape (<see cref="ShapeSource.Inferred"/>), folding small
/// integer computations (Shape → Gather → Concat → Reshape) into <see cref="Value.KnownValue"/>s.
/// A node it cannot infer keeps unknown outputs and a recorded reason; it never throws for a valid model.
/// </summary>
public static class ShapeInference
{
    public static ShapeInferenceResult Run(Model model, ShapeBindings bindings, IRuntimeShapeProvider? runtime = null)
    {
        var result = new ShapeInferenceResult();
        ForgetPreviousRun(model.Graph);
        InputBinder.Bind(model, bindings, result);
        var folded = new FoldedValues();
        InferGraph(model.Graph, model, folded, result);
        if (runtime is not null) FillFromRuntime(model, runtime, result);
        return result;
    }

    private static void InferGraph(Graph graph, Model model, FoldedValues folded, ShapeInferenceResult result)
    {
        foreach (var node in TopologicalOrder.Of(graph))
        {
            try
            {
                InferNode(node, model, folded, result);
                result.Resolve(node);
            }
            catch (ShapeInferenceFailure e)
            {
                result.Unresolve(node, e.Message);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException
                                          or OverflowException or NotSupportedException or DivideByZeroException)
            {
                // A malformed or unusual node: its outputs stay unknown, the analysis goes on.
                result.Unresolve(node, $"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static void InferNode(Node node, Model model, FoldedValues folded, ShapeInferenceResult result)
    {
        void InferBody(Graph body) => InferGraph(body, model, folded, result);
        if (node.Domain.Length == 0 && node.OpType == "If")
        {
            ControlFlowShapes.InferIf(node, InferBody, node.Input(0) is { } cond ? folded.Get(cond) : null, result);
            return;
        }
        if (node.Domain.Length == 0 && node.OpType == "Loop")
        {
            ControlFlowShapes.InferLoop(node, InferBody);
            return;
        }
        foreach (var body in node.Subgraphs.Values) InferBody(body);

        var rule = ShapeRuleRegistry.Find(node.Domain, node.OpType)
            ?? throw new ShapeInferenceFailure($"no shape rule for {(node.Domain.Length > 0 ? node.Domain + ":" : "")}{node.OpType}");
        rule.Infer(new ShapeContext(node, model.OpsetVersion(node.Domain) ?? 1, folded));
    }

    // Inferred and runtime shapes from an earlier run (other bindings) must not leak into this one.
    private static void ForgetPreviousRun(Graph graph)
    {
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                output.KnownValue = null;
                if (output.ShapeSource is ShapeSource.Inferred or ShapeSource.Runtime)
                {
                    output.Shape = null;
                    output.ShapeSource = ShapeSource.Unknown;
                }
            }
            foreach (var body in node.Subgraphs.Values)
            {
                foreach (var input in body.Inputs)
                    if (input.ShapeSource == ShapeSource.Inferred) { input.Shape = null; input.ShapeSource = ShapeSource.Unknown; }
                ForgetPreviousRun(body);
            }
        }
    }

    private static void FillFromRuntime(Model model, IRuntimeShapeProvider runtime, ShapeInferenceResult result)
    {
        var missing = model.Graph.Nodes.SelectMany(n => n.Outputs)
            .Where(v => v is not null && (v.Shape is null || !v.Shape.IsFullyKnown))
            .Select(v => v!)
            .ToList();
        if (missing.Count == 0) return;
        IReadOnlyDictionary<string, (Onnx.TensorProto.Types.DataType Type, TensorShape Shape)> observed;
        try
        {
            observed = runtime.Observe(model, result.InputShapes);
        }
        catch (Diagnostics.ModelOptException e)
        {
            // The fallback is a best effort: the static figures still stand, with the gap named.
            result.AddNote($"{missing.Count} value(s) static inference left unknown could not be observed at run time: {e.Message}");
            return;
        }
        int filled = 0;
        foreach (var value in missing)
        {
            if (!observed.TryGetValue(value.Name, out var seen)) continue;
            value.ElementType = seen.Type;
            value.Shape = seen.Shape;
            value.ShapeSource = ShapeSource.Runtime;
            filled++;
        }
        result.RuntimeFilled = filled;
        result.AddNote($"{filled} of {missing.Count} values static inference left unknown were observed by running the model once.");
    }
}
