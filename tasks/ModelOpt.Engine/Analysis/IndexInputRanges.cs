using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Analysis;

/// <summary>Where an integer input's values end up as indices: the smallest table they index, and the node that reads it.</summary>
public sealed record IndexBound(string Input, long Rows, string Node, bool NegativeAllowed)
{
    /// <summary>Whether the model accepts <paramref name="value"/> in this input.</summary>
    public bool Accepts(long value) => value < Rows && (NegativeAllowed ? value >= -Rows : value >= 0);

    /// <summary>E.g. <c>0 ≤ value &lt; 2 (the rows of the table Gather 'token_type_embeddings' reads)</c>.</summary>
    public string Describe() => $"{(NegativeAllowed ? $"-{Rows}" : "0")} ≤ value < {Rows} (the rows of the table {Node} reads)";
}

/// <summary>
/// The values an integer graph input may take, found by following it, through the ops that only
/// move values (Cast to an integer type, Unsqueeze, Reshape, Concat, ...), to the Gathers (and
/// com.microsoft EmbedLayerNormalization) whose constant table it indexes: a token-type id of 2
/// into a 2-row embedding is out of range, in the user's samples and in synthetic ones alike.
/// </summary>
public static class IndexInputRanges
{
    // Ops whose output holds (some of) the input's values unchanged, by the input slot that carries them.
    private static readonly Dictionary<string, int> Movers = new(StringComparer.Ordinal)
    {
        ["Identity"] = 0, ["Unsqueeze"] = 0, ["Squeeze"] = 0, ["Reshape"] = 0, ["Flatten"] = 0, ["Expand"] = 0,
        ["Transpose"] = 0, ["Slice"] = 0, ["Tile"] = 0, ["Split"] = 0, ["Gather"] = 0, ["GatherElements"] = 0,
        ["Concat"] = -1,   // any input
    };

    /// <summary>The bound of every integer input of <paramref name="model"/> that indexes a constant table.</summary>
    public static IReadOnlyDictionary<string, IndexBound> For(Model model)
    {
        var bounds = new Dictionary<string, IndexBound>(StringComparer.Ordinal);
        bool negatives = (model.OpsetVersion() ?? 1) >= 11;   // Gather-11 counts negative indices from the end
        foreach (var input in model.Graph.Inputs)
        {
            if (input.Initializer is not null || !IsInteger(input.ElementType)) continue;
            if (Trace(input, negatives) is { } bound) bounds[input.Name] = bound;
        }
        return bounds;
    }

    public static bool IsInteger(DataType type) => type is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.Uint64 or DataType.Uint32 or DataType.Uint16 or DataType.Uint8;

    private static IndexBound? Trace(Value input, bool negatives)
    {
        IndexBound? best = null;
        var seen = new HashSet<Value>();
        var queue = new Queue<Value>([input]);
        while (queue.Count > 0)
        {
            var value = queue.Dequeue();
            if (!seen.Add(value)) continue;
            foreach (var use in value.Uses)
            {
                var node = use.Node;
                if (use.InputIndex < 0) continue;   // read inside a subgraph
                if (TableRows(node, use.InputIndex) is long rows && (best is null || rows < best.Rows))
                    best = new IndexBound(input.Name, rows, node.ToString(), negatives && node.Domain.Length == 0);
                if (node.Domain.Length != 0) continue;
                bool moves = node.OpType == "Cast"
                    ? IsInteger((DataType)node.GetInt("to", 0))
                    : Movers.TryGetValue(node.OpType, out int slot) && (slot < 0 || slot == use.InputIndex);
                if (!moves) continue;
                foreach (var output in node.Outputs)
                    if (output is not null) queue.Enqueue(output);
            }
        }
        return best;
    }

    // The rows of the constant table a node indexes with input slot `index`; null when it is not an index there.
    private static long? TableRows(Node node, int index)
    {
        if (node.Domain.Length == 0 && node.OpType == "Gather" && index == 1 && node.Input(0)?.ConstantValue is { } table && table.Dims.Length > 0)
        {
            long axis = node.GetInt("axis", 0);
            if (axis < 0) axis += table.Dims.Length;
            return axis >= 0 && axis < table.Dims.Length ? table.Dims[axis] : null;
        }
        if (node.Domain == "com.microsoft" && node.OpType == "EmbedLayerNormalization")
        {
            // input_ids → word_embedding, segment_ids → segment_embedding, position_ids → position_embedding.
            int? tableSlot = index switch { 0 => 2, 1 => 4, 7 => 3, _ => null };
            if (tableSlot is int t && node.Input(t)?.ConstantValue is { Dims.Length: > 0 } embedding) return embedding.Dims[0];
        }
        return null;
    }
}
