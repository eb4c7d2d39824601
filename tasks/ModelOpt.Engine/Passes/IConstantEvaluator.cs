using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// Evaluates one node whose inputs are all constant, for constant folding. The engine knows no
/// runtime, so ModelOpt.Validation implements this over ONNX Runtime (the reference for what an
/// op computes); without one, nothing is folded.
/// </summary>
public interface IConstantEvaluator
{
    /// <summary>
    /// The node's outputs, in order (null where the node has no such output), computed from the
    /// constant values of its inputs. <paramref name="model"/> gives the opset the node runs at.
    /// </summary>
    IReadOnlyList<Tensor?> Evaluate(Model model, Node node);
}
