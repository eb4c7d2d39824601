using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// MatMul with numpy semantics: 1-D operands are promoted (and the added axis dropped again), the
/// batch dimensions broadcast.
/// </summary>
internal sealed class MatMulRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["MatMul", "MatMulInteger", "QLinearMatMul"];

    public void Infer(ShapeContext c)
    {
        bool qlinear = c.Node.OpType == "QLinearMatMul";
        var a = c.Shape(0);
        var b = c.Shape(qlinear ? 3 : 1);
        var type = c.Node.OpType switch
        {
            "MatMulInteger" => DataType.Int32,
            "QLinearMatMul" => c.Type(7),
            _ => c.Type(0),
        };
        c.SetOutput(0, type, OutputShape(a, b));
    }

    public static TensorShape OutputShape(TensorShape a, TensorShape b)
    {
        if (a.Rank == 0 || b.Rank == 0) return ShapeContext.Fail<TensorShape>("MatMul does not take scalars");
        var aDims = a.Rank == 1 ? [Dim.Of(1), a[0]] : a.Dims.ToArray();
        var bDims = b.Rank == 1 ? [b[0], Dim.Of(1)] : b.Dims.ToArray();
        var batch = DimMath.Broadcast([new TensorShape(aDims[..^2]), new TensorShape(bDims[..^2])]);
        var dims = new List<Dim>(batch.Dims);
        if (a.Rank > 1) dims.Add(aDims[^2]);
        if (b.Rank > 1) dims.Add(bDims[^1]);
        return new TensorShape(dims);
    }
}
