using ModelOpt.Engine.IR;
using ModelOpt.Engine.Opsets;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// The opsets quantization needs, reached through the <see cref="OpsetConverter"/>: QuantizeLinear
/// exists from 10, per-channel DequantizeLinear (its <c>axis</c>) from 13, HardSwish from 14.
/// </summary>
public static class OpsetUpgrade
{
    public const long QuantizeLinearOpset = 10;
    public const long PerChannelOpset = 13;

    /// <summary>
    /// Raises a model below opset 13 to 13 (shape inference first: Softmax's old axis meaning is
    /// kept exactly only when the rank is known, and bounds are typed like the data). Returns the
    /// conversion (with the note to show), or null when the model already was at 13 or more.
    /// </summary>
    public static OpsetConversion? RaiseTo13(Model model, Shapes.ShapeBindings bindings)
    {
        if ((model.OpsetVersion() ?? 1) >= PerChannelOpset) return null;
        Shapes.ShapeInference.Run(model, bindings);
        return OpsetConverter.Raise(model, PerChannelOpset);
    }

    /// <summary>Null when the model is at opset 13 or more afterwards, or why it could not be raised.</summary>
    public static string? TryRaiseTo13(Model model) => RaiseTo13(model, Shapes.ShapeBindings.None)?.Refusal;

    /// <summary>Raises an opset-13 model to 14, where HardSwish exists; false when it is at another opset or cannot be raised.</summary>
    public static bool TryRaise13To14(Model model) =>
        model.OpsetVersion() == PerChannelOpset && OpsetConverter.Raise(model, 14).Succeeded;
}
