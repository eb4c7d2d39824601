using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// Removes Casts that change nothing: a Cast to the type its input already has, and the second
/// Cast of a round trip that widened exactly first (float16 → float32 → float16 gives back the
/// original bits, so the readers can take the original value). A narrowing round trip
/// (float32 → float16 → float32) rounds, so it is kept.
/// </summary>
internal static class CastCascade
{
    public static int Run(Graph graph)
    {
        var types = ElementTypeInference.Infer(graph);
        int removed = 0;
        foreach (var cast in graph.Nodes)
        {
            if (cast.OpType != "Cast" || cast.Domain.Length != 0 || cast.Input(0) is not { } source) continue;
            var output = cast.Output(0);
            if (output.IsGraphOutput) continue;
            var to = (DataType)cast.GetInt("to", 0);
            Value? replacement = null;
            if (types.GetValueOrDefault(source) == to) replacement = source;
            else if (source.Producer is { OpType: "Cast", Domain: "" } first && first.Input(0) is { } origin
                && types.GetValueOrDefault(origin) == to && IsExactWidening(to, types.GetValueOrDefault(source)))
                replacement = origin;
            if (replacement is null) continue;
            graph.ReplaceAllUses(output, replacement);
            graph.RemoveNode(cast);
            removed++;
        }
        return removed;
    }

    /// <summary>Every value of <paramref name="from"/> is exactly representable in <paramref name="to"/>.</summary>
    private static bool IsExactWidening(DataType from, DataType to) => (from, to) switch
    {
        (DataType.Float16, DataType.Float or DataType.Double) => true,
        (DataType.Bfloat16, DataType.Float or DataType.Double) => true,
        (DataType.Float, DataType.Double) => true,
        (DataType.Int8, DataType.Int16 or DataType.Int32 or DataType.Int64) => true,
        (DataType.Uint8, DataType.Int16 or DataType.Uint16 or DataType.Int32 or DataType.Uint32 or DataType.Int64 or DataType.Uint64) => true,
        (DataType.Int16, DataType.Int32 or DataType.Int64) => true,
        (DataType.Int32, DataType.Int64) => true,
        _ => false,
    };
}
