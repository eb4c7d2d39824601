namespace ModelOpt.Engine.Shapes;

/// <summary>
/// Infers the outputs of one family of operators. A rule sets what it can through the context and
/// calls <see cref="ShapeContext.Fail"/> with the reason when it cannot.
/// </summary>
internal interface IShapeRule
{
    /// <summary>The op types (default ONNX domain) this rule handles.</summary>
    IEnumerable<string> OpTypes { get; }

    void Infer(ShapeContext context);
}

/// <summary>Why a rule gave up on a node; caught by <see cref="ShapeInference"/> and recorded.</summary>
internal sealed class ShapeInferenceFailure(string reason) : Exception(reason);
