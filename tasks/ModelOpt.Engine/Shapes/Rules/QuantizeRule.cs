using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// QuantizeLinear (type of the zero point, output_dtype from opset 21, else uint8) and
/// DequantizeLinear (type of the scale): both keep the input's shape.
/// </summary>
internal sealed class QuantizeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        switch (c.Node.OpType)
        {
            case "QuantizeLinear":
                var dtype = (DataType)c.Attr("output_dtype", 0);
                c.SetOutput(0, c.HasInput(2) ? c.Type(2) : dtype != DataType.Undefined ? dtype : DataType.Uint8, x);
                break;
            case "DequantizeLinear":
                c.SetOutput(0, c.Type(1), x);
                break;
            default:
                c.SetOutput(0, DataType.Uint8, x);
                c.SetOutput(1, DataType.Float, IR.TensorShape.Scalar);
                c.SetOutput(2, DataType.Uint8, IR.TensorShape.Scalar);
                break;
        }
    }
}
