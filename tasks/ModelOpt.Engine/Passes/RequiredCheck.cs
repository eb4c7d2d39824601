namespace ModelOpt.Engine.Passes;

public enum RequiredCheckKind
{
    /// <summary>The rewritten model must run faster than the original under ONNX Runtime (int8 that is slower is refused).</summary>
    FasterThanOriginal,
}

/// <summary>
/// A check a pass cannot do itself (the engine has no ONNX Runtime) and asks the validation layer
/// to do on the result: <see cref="Waived"/> records that the user accepted a failure (allowSlower);
/// <see cref="PassRequired"/> that the user needs the pass applied, so a failure is an error rather
/// than the pass being skipped (quantize's <c>required</c>).
/// </summary>
public sealed record RequiredCheck(string Pass, RequiredCheckKind Kind, bool Waived, bool PassRequired = false);
