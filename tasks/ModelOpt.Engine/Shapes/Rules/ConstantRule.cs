using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Constant: the shape and type of its value (the value itself is read through the IR, never copied).</summary>
internal sealed class ConstantRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Constant"];

    public void Infer(ShapeContext c)
    {
        var tensor = c.Node.ConstantOutput ?? ShapeContext.Fail<Tensor>("the Constant has no value attribute ModelOpt reads (sparse_value or strings)");
        c.SetOutput(0, tensor.DataType, tensor.Shape);
    }
}
