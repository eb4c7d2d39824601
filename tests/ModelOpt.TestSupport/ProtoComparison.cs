using ModelOpt.Engine.Onnx;

namespace ModelOpt.TestSupport;

/// <summary>
/// Compares two model messages field by field, allowing only what a lossless writer may change:
/// the order of value_info entries. Returns the differences found (empty when equal).
/// </summary>
public static class ProtoComparison
{
    public static IReadOnlyList<string> Differences(ModelProto expected, ModelProto actual)
    {
        var diffs = new List<string>();
        var e = expected.Clone();
        var a = actual.Clone();
        CompareGraph(e.Graph, a.Graph, "graph", diffs);
        e.Graph = null;
        a.Graph = null;
        if (!e.Equals(a)) diffs.Add($"model fields differ:\n  expected {Summary(e)}\n  actual   {Summary(a)}");
        return diffs;
    }

    private static void CompareGraph(GraphProto? e, GraphProto? a, string where, List<string> diffs)
    {
        if (e is null || a is null)
        {
            if (e is not null || a is not null) diffs.Add($"{where}: one side has no graph");
            return;
        }
        CompareList(e.Input, a.Input, $"{where}.input", diffs);
        CompareList(e.Output, a.Output, $"{where}.output", diffs);
        CompareList(e.Initializer, a.Initializer, $"{where}.initializer", diffs);
        CompareList(e.SparseInitializer, a.SparseInitializer, $"{where}.sparse_initializer", diffs);
        CompareList(e.ValueInfo.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), a.ValueInfo.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), $"{where}.value_info", diffs);
        CompareList(e.Node, a.Node, $"{where}.node", diffs);
        var ge = e.Clone();
        var ga = a.Clone();
        foreach (var g in new[] { ge, ga })
        {
            g.Input.Clear();
            g.Output.Clear();
            g.Initializer.Clear();
            g.SparseInitializer.Clear();
            g.ValueInfo.Clear();
            g.Node.Clear();
        }
        if (!ge.Equals(ga)) diffs.Add($"{where}: graph fields differ: expected {Summary(ge)}, actual {Summary(ga)}");
    }

    private static void CompareList<T>(IList<T> e, IList<T> a, string where, List<string> diffs) where T : Google.Protobuf.IMessage<T>
    {
        if (e.Count != a.Count) diffs.Add($"{where}: expected {e.Count} entries, got {a.Count}");
        for (int i = 0; i < Math.Min(e.Count, a.Count); i++)
        {
            if (!e[i].Equals(a[i]))
            {
                diffs.Add($"{where}[{i}] differs:\n  expected {Summary(e[i])}\n  actual   {Summary(a[i])}");
                if (diffs.Count > 20) return;
            }
        }
    }

    private static string Summary(Google.Protobuf.IMessage message)
    {
        string text = message.ToString()!;
        return text.Length > 600 ? text[..600] + "…" : text;
    }
}
