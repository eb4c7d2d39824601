using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>NonZero: [rank, count]; the count depends on the data, so it stays unknown.</summary>
internal sealed class NonZeroRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["NonZero"];

    public void Infer(ShapeContext c) => c.SetOutput(0, DataType.Int64, new TensorShape([Dim.Of(c.Shape(0).Rank), Dim.Unknown()]));
}
