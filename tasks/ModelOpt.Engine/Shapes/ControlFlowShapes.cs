using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// If and Loop: their bodies are inferred like any graph, then the node's outputs are taken from
/// the bodies' outputs where that is sound (If: what both branches agree on; Loop: carried values
/// whose shape the body keeps). Scan and anything else stay unknown.
/// </summary>
internal static class ControlFlowShapes
{
    public static void InferIf(Node node, Action<Graph> inferBody, FoldedTensor? condition, ShapeInferenceResult result)
    {
        if (!node.Subgraphs.TryGetValue("then_branch", out var then) || !node.Subgraphs.TryGetValue("else_branch", out var @else))
            throw new ShapeInferenceFailure("If without both branches");
        if (condition is { Count: 1 })
        {
            // A condition fixed by constants or bound inputs (Silero VAD's sr == 16000): only the
            // branch taken runs, so only it is inferred and counted; the other stays in the model.
            bool taken = condition.Int(0) != 0;
            var (run, skipped) = taken ? (then, @else) : (@else, then);
            inferBody(run);
            result.MarkNotTaken(skipped);
            result.AddNote($"If '{node.Name}': the condition is {(taken ? "true" : "false")} for the bound values, so only its {(taken ? "then" : "else")} branch is counted ({skipped.AllNodes().Count()} node(s) of the other branch are kept but not counted).");
            for (int i = 0; i < node.Outputs.Count && i < run.Outputs.Count; i++)
                if (node.Outputs[i] is { } output && run.Outputs[i].Shape is { } shape) Set(output, run.Outputs[i].ElementType, shape);
            return;
        }
        inferBody(then);
        inferBody(@else);
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } output || i >= then.Outputs.Count || i >= @else.Outputs.Count) continue;
            var merged = Merge(then.Outputs[i].Shape, @else.Outputs[i].Shape);
            if (merged is null) continue;
            Set(output, then.Outputs[i].ElementType, merged);
        }
    }

    public static void InferLoop(Node node, Action<Graph> inferBody)
    {
        if (!node.Subgraphs.TryGetValue("body", out var body)) throw new ShapeInferenceFailure("Loop without a body");
        int carried = node.Inputs.Count - 2;
        if (body.Inputs.Count != carried + 2) throw new ShapeInferenceFailure("the Loop body's inputs do not match the node's");
        SetIfUnknown(body.Inputs[0], DataType.Int64, TensorShape.Scalar);
        SetIfUnknown(body.Inputs[1], DataType.Bool, TensorShape.Scalar);
        for (int k = 0; k < carried; k++)
            if (node.Inputs[k + 2] is { Shape: { } s } initial) SetIfUnknown(body.Inputs[k + 2], initial.ElementType, s);
        inferBody(body);

        for (int k = 0; k < carried && k < node.Outputs.Count; k++)
        {
            if (node.Outputs[k] is not { } output || node.Inputs[k + 2] is not { } initial) continue;
            var merged = Merge(initial.Shape, body.Outputs[k + 1].Shape);
            if (merged is not null) Set(output, initial.ElementType, merged);
        }
        // Scan outputs stack one slice per iteration: the count is only known for a fixed trip count.
        Dim trips = node.Input(1) is null && node.Input(0)?.ConstantValue is { ElementCount: 1 } m ? Dim.Of(m.ToInt64s()[0]) : Dim.Unknown();
        for (int j = carried; j < node.Outputs.Count; j++)
        {
            if (node.Outputs[j] is not { } output || j + 1 >= body.Outputs.Count || body.Outputs[j + 1].Shape is not { } slice) continue;
            Set(output, body.Outputs[j + 1].ElementType, new TensorShape([trips, .. slice.Dims]));
        }
    }

    private static TensorShape? Merge(TensorShape? a, TensorShape? b)
    {
        if (a is null || b is null || a.Rank != b.Rank) return null;
        return new TensorShape(a.Dims.Select((d, i) => d == b[i] ? d : Dim.Unknown()));
    }

    private static void Set(Value value, DataType type, TensorShape shape)
    {
        value.ElementType = type;
        value.Shape = shape;
        value.ShapeSource = ShapeSource.Inferred;
    }

    private static void SetIfUnknown(Value value, DataType type, TensorShape shape)
    {
        if (value.Shape is not null) return;
        if (value.ElementType == DataType.Undefined) value.ElementType = type;
        value.Shape = shape;
        value.ShapeSource = ShapeSource.Inferred;
    }
}
