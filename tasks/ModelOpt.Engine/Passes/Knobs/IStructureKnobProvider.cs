using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Knobs;

/// <summary>
/// A knob pass that also offers layout choices (<see cref="StructureKnob"/>): which the search
/// measures on the model as a whole, fidelity on the outputs and speed interleaved, before it
/// walks the layer knobs.
/// </summary>
public interface IStructureKnobProvider : IKnobProvider
{
    /// <summary>The layout choices for <paramref name="model"/> (a copy the pass may rewrite as its <see cref="IPass.Run"/> does); none the user's settings already decide.</summary>
    IReadOnlyList<StructureKnob> StructureKnobs(Model model, PassContext context);
}
