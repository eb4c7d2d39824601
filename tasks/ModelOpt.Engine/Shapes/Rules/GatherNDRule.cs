using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>GatherND: data[:b] + indices[b:-1] + data[b + indices[-1]:].</summary>
internal sealed class GatherNDRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["GatherND"];

    public void Infer(ShapeContext c)
    {
        var data = c.Shape(0);
        var indices = c.Shape(1);
        int batch = (int)c.Attr("batch_dims", 0);
        long last = indices.Rank > 0 ? indices[indices.Rank - 1].Value ?? ShapeContext.Fail<long>("the index depth is unknown") : 0;
        var dims = data.Dims.Take(batch).Concat(indices.Dims.Skip(batch).Take(indices.Rank - 1 - batch)).Concat(data.Dims.Skip(batch + (int)last));
        c.SetOutput(0, c.Type(0), new TensorShape(dims));
    }
}
