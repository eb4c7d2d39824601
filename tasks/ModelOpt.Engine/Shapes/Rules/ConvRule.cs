using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Conv and its quantized forms: [N, Cout, spatial…] with Cout from the weight's first dimension.</summary>
internal sealed class ConvRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Conv", "ConvInteger", "QLinearConv"];

    public void Infer(ShapeContext c)
    {
        bool qlinear = c.Node.OpType == "QLinearConv";
        var x = c.Shape(0);
        var w = c.Shape(qlinear ? 3 : 1);
        long[] kernel = c.AttrInts("kernel_shape") is { Length: > 0 } k ? k
            : w.Dims.Skip(2).Select(d => d.Value ?? ShapeContext.Fail<long>("the kernel size is unknown")).ToArray();
        var spatial = SlidingWindow.OutputDims(c, x, kernel, ceilMode: false);
        var type = c.Node.OpType switch
        {
            "ConvInteger" => DataType.Int32,
            "QLinearConv" => c.Type(7),
            _ => c.Type(0),
        };
        c.SetOutput(0, type, new TensorShape([x[0], w[0], .. spatial]));
    }
}
