using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// The com.microsoft int8 ops the quantize pass writes: DynamicQuantizeMatMul and
/// MatMulIntegerToFloat give MatMul's shape in float32; DynamicQuantizeLSTM gives LSTM's outputs,
/// its hidden size from <c>hidden_size</c> or from R ([directions, hidden, 4·hidden]).
/// </summary>
internal sealed class MicrosoftQuantizedRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["DynamicQuantizeMatMul", "MatMulIntegerToFloat", "DynamicQuantizeLSTM"];

    public void Infer(ShapeContext c)
    {
        if (c.Node.OpType != "DynamicQuantizeLSTM")
        {
            c.SetOutput(0, DataType.Float, MatMulRule.OutputShape(c.Shape(0), c.Shape(1)));
            return;
        }
        var x = c.Shape(0);
        if (x.Rank != 3) c.Fail($"DynamicQuantizeLSTM needs a rank-3 X, got {x}");
        long dirs = c.Attr("direction", "forward") == "bidirectional" ? 2 : 1;
        long hidden = c.Attr("hidden_size", 0);
        if (hidden <= 0)
        {
            var r = c.Shape(2);
            if (r.Rank != 3 || r[1].Value is not long h) c.Fail($"DynamicQuantizeLSTM has no hidden_size and R's shape {r} does not give it");
            else hidden = h;
        }
        var d = Dim.Of(dirs);
        var hDim = Dim.Of(hidden);
        c.SetOutput(0, DataType.Float, new TensorShape([x[0], d, x[1], hDim]));
        var state = new TensorShape([d, x[1], hDim]);
        c.SetOutput(1, DataType.Float, state);
        c.SetOutput(2, DataType.Float, state);
    }
}
