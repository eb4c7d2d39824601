using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>
/// Replaces nodes whose inputs are all constant (initializers or Constant nodes) by initializers
/// holding their outputs, evaluated by <see cref="PassContext.ConstantEvaluator"/>. Constant nodes
/// themselves become initializers (exporters such as paddle2onnx keep every weight in one).
/// </summary>
/// <remarks>
/// Left alone, each with a note: random ops; ops outside the default domain or with subgraphs;
/// nodes whose outputs are graph outputs (the interface stays as it is); a DequantizeLinear of an
/// integer initializer (folding it would undo quantization); results that hold more values than
/// the node's constant inputs together and more than <see cref="SmallResultBytes"/> (a broadcast
/// made concrete — ConstantOfShape, Expand, Tile, Range — only grows the file: BlazeFace's
/// ConstantOfShape channel padding took it from 589 to 733 KiB, and ONNX Runtime computes such a
/// value once when the session starts); and results larger than
/// <see cref="PassContext.MaxFoldedConstantBytes"/> unless they are no larger than the node's
/// constant inputs (a Transpose of a weight cannot grow the file). Values computed from graph
/// inputs, such as Shape of a dynamic input, are not constant and are never folded.
/// </remarks>
internal static class ConstantFolding
{
    private static readonly HashSet<string> Random = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    };

    // Up to this a folded result may hold more values than its inputs: shape arithmetic, a Range of position indices.
    private const long SmallResultBytes = 1024;

    private static readonly HashSet<DataType> QuantizedTypes = [DataType.Int8, DataType.Uint8, DataType.Int4, DataType.Uint4, DataType.Int16, DataType.Uint16];

    public static int Run(Model model, PassContext context, List<string> notes)
    {
        var graph = model.Graph;
        int lifted = LiftConstantNodes(graph);
        if (lifted > 0) notes.Add($"{lifted} Constant node(s) became initializers");
        if (context.ConstantEvaluator is not { } evaluator)
        {
            notes.Add("constant folding skipped: no constant evaluator was given (the engine does not run ops; ModelOpt.Validation's ONNX Runtime evaluator does)");
            return lifted;
        }

        int folded = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!IsConstantExpression(node)) continue;
            string? why = WhyNotFold(node, context.MaxFoldedConstantBytes);
            if (why is null)
            {
                IReadOnlyList<Tensor?> outputs;
                try
                {
                    outputs = evaluator.Evaluate(model, node);
                }
                catch (ModelOptException e)
                {
                    notes.Add($"{Describe(node)}: not folded, evaluating it failed: {e.Message}");
                    continue;
                }
                why = WhyTooLarge(node, outputs, context.MaxFoldedConstantBytes);
                if (why is null)
                {
                    Replace(graph, node, outputs);
                    folded++;
                    continue;
                }
            }
            notes.Add($"{Describe(node)}: not folded, {why}");
        }
        if (folded > 0) notes.Add($"{folded} node(s) with constant inputs folded into initializers");
        return lifted + folded;
    }

    private static int LiftConstantNodes(Graph graph)
    {
        int lifted = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.ConstantOutput is not { } value || node.Output(0).IsGraphOutput) continue;
            Replace(graph, node, [value]);
            lifted++;
        }
        return lifted;
    }

    private static bool IsConstantExpression(Node node) =>
        node.Inputs.Any(i => i is not null) && node.Inputs.All(i => i is null || i.IsConstant || i.Producer?.ConstantOutput is not null);

    private static string? WhyNotFold(Node node, long maxBytes)
    {
        if (node.Domain.Length != 0) return $"ops of domain '{node.Domain}' are not evaluated";
        if (node.Subgraphs.Count > 0) return "it has subgraphs";
        if (Random.Contains(node.OpType)) return "it draws random numbers";
        if (node.Outputs.Any(o => o is { IsGraphOutput: true })) return "its output is a graph output";
        if (node.OpType == "DequantizeLinear" && node.Input(0)?.ConstantValue is { } q && QuantizedTypes.Contains(q.DataType))
            return $"it dequantizes a {DataTypes.Name(q.DataType)} initializer, and folding it would undo the quantization";
        if (node.Inputs.Any(i => i?.ConstantValue?.DataType == DataType.String)) return "it reads strings";
        long inputBytes = InputBytes(node), inputValues = InputValues(node);
        foreach (var output in node.Outputs)
        {
            if (output?.Shape is not { } shape || output.ElementType == DataType.Undefined || shape.Dims.Any(d => d.Value is null)) continue;
            long values = shape.Dims.Aggregate(1L, (a, d) => a * d.Value!.Value);
            long bytes = DataTypes.ByteSize(output.ElementType, values);
            if (WhyGrows(output.Name, values, bytes, inputValues) is { } grows) return grows;
            if (bytes > maxBytes && bytes > inputBytes) return TooLarge(output.Name, bytes, maxBytes);
        }
        return null;
    }

    private static string? WhyTooLarge(Node node, IReadOnlyList<Tensor?> outputs, long maxBytes)
    {
        long inputBytes = InputBytes(node), inputValues = InputValues(node);
        foreach (var t in outputs)
        {
            if (t is null) continue;
            if (WhyGrows(t.Name, t.ElementCount, t.ByteSize, inputValues) is { } grows) return grows;
            if (t.ByteSize > maxBytes && t.ByteSize > inputBytes) return TooLarge(t.Name, t.ByteSize, maxBytes);
        }
        return null;
    }

    // A result with more values than its inputs is a broadcast made concrete: stored, it only grows the file.
    private static string? WhyGrows(string name, long values, long bytes, long inputValues) =>
        values > inputValues && bytes > SmallResultBytes
            ? $"its output '{name}' would store {values:N0} values made from {inputValues:N0} ({bytes:N0} bytes): a broadcast made concrete only grows the file, and ONNX Runtime computes it once when the session starts"
            : null;

    private static long InputValues(Node node) =>
        node.Inputs.Where(i => i is not null).Distinct().Sum(i => i!.ConstantValue!.ElementCount);

    private static string TooLarge(string name, long bytes, long maxBytes) =>
        $"its output '{name}' would take {bytes:N0} bytes, over the folding limit of {maxBytes:N0} bytes and more than its inputs";

    private static long InputBytes(Node node) =>
        node.Inputs.Where(i => i is not null).Distinct().Sum(i => i!.ConstantValue!.ByteSize);

    /// <summary>Each used output becomes an initializer under the output's own name, so readers (and teacher matching) see the same names.</summary>
    private static void Replace(Graph graph, Node node, IReadOnlyList<Tensor?> outputs)
    {
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            var output = node.Outputs[i];
            if (output is null || output.Uses.Count == 0) continue;
            var tensor = outputs[i] ?? throw new InvalidOperationException($"{node}: output {i} was not computed.");
            string name = output.Name;
            graph.Rename(output, graph.Model.ValueNames.Unique(name + "_unfolded"));
            var constant = graph.AddInitializer(tensor.WithName(name));
            graph.Rename(constant, name);
            graph.ReplaceAllUses(output, constant);
        }
        graph.RemoveNode(node);
    }

    private static string Describe(Node node) => $"{node.OpType} '{node.Name}'";
}
