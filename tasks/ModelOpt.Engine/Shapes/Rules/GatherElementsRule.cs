namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>GatherElements: the output has the indices' shape and the data's type.</summary>
internal sealed class GatherElementsRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["GatherElements"];

    public void Infer(ShapeContext c) => c.SetOutput(0, c.Type(0), c.Shape(1));
}
