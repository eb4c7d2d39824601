using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>MaxPool, AveragePool, LpPool (and MaxPool's optional indices output).</summary>
internal sealed class PoolRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["MaxPool", "AveragePool", "LpPool"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        long[] kernel = c.AttrInts("kernel_shape") ?? ShapeContext.Fail<long[]>("kernel_shape is missing");
        var spatial = SlidingWindow.OutputDims(c, x, kernel, ceilMode: c.Attr("ceil_mode", 0) != 0);
        var shape = new TensorShape([x[0], x[1], .. spatial]);
        c.SetOutput(0, c.Type(0), shape);
        c.SetOutput(1, DataType.Int64, shape);
    }
}
