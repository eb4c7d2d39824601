using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Knobs;

/// <summary>
/// A pass that can be turned layer by layer: it lists its knobs (which layers, which settings from
/// mildest to most aggressive, and what each setting does to the layer's arithmetic) so that the
/// accuracy-aware search and <c>analyze --advise</c> need to know nothing about the pass itself.
/// The settings are per-node settings of the pass, so a knob set by the search is applied by the
/// pass's own <see cref="IPass.Run"/> exactly as a user's per-node setting would be.
/// </summary>
public interface IKnobProvider : IPass
{
    /// <summary>What the pass's knobs save, which decides when the search turns them.</summary>
    KnobSaving Saves { get; }

    /// <summary>
    /// The knobs of <paramref name="model"/> under <paramref name="context"/>'s configuration. The
    /// pass may rewrite <paramref name="model"/> (a copy the caller owns) the way its <see cref="IPass.Run"/>
    /// does before it chooses layers; each knob's <see cref="LayerKnob.Members"/> name nodes of the
    /// model as it is left, whose inputs and outputs the sensitivity profile measures.
    /// </summary>
    IReadOnlyList<LayerKnob> Knobs(Model model, PassContext context);
}

/// <summary>What turning a knob buys.</summary>
public enum KnobSaving
{
    /// <summary>Removes multiply-accumulates (a smaller layer: rank, channels); the cost model counts the saving.</summary>
    Macs,
    /// <summary>Keeps the MACs but makes them cheaper (int8 arithmetic); only time measures the saving.</summary>
    Time,
}
