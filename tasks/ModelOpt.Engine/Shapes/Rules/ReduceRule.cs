using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Reduce*: axes from the attribute, or from input 1 (ReduceSum since opset 13, the others since
/// 18); no axes reduce everything unless noop_with_empty_axes. keepdims (default 1) keeps 1s.
/// </summary>
internal sealed class ReduceRule : IShapeRule
{
    public IEnumerable<string> OpTypes =>
        ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        bool axesAsInput = c.Opset >= (c.Node.OpType == "ReduceSum" ? 13 : 18);
        long[]? axes = axesAsInput ? (c.HasInput(1) ? c.Ints(1) : null) : c.AttrInts("axes");
        bool keep = c.Attr("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (axesAsInput && c.Attr("noop_with_empty_axes", 0) != 0)
            {
                c.SetOutput(0, c.Type(0), x);
                return;
            }
            axes = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        }
        var reduced = axes.Select(a => c.Axis(a, x.Rank)).ToHashSet();
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (!reduced.Contains(i)) dims.Add(x[i]);
            else if (keep) dims.Add(Dim.Of(1));
        }
        c.SetOutput(0, c.Type(0), new TensorShape(dims));
    }
}
