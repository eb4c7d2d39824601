using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Knobs;

/// <summary>
/// One setting of a knob: a label for logs, the pass's per-node settings that make it, what it does
/// to each member layer's arithmetic (for the sensitivity profile), and the share of the layer's
/// MACs left after it (1 for a setting that keeps the MACs, such as int8). <see cref="AlsoSaved"/>:
/// the MACs it removes from other layers as well (those reading a pruned layer's channels), as a
/// share of the knob's own MACs, so a setting that shrinks its consumers is ranked by all it saves.
/// <see cref="Alternative"/>: another form of the setting before it in the ladder that saves nothing
/// more the cost model can count (static int8 for a layer whose setting before is dynamic int8): the
/// search does not walk it but weighs it on its choice, by fidelity and by interleaved timing.
/// </summary>
public sealed record KnobSetting(string Label, JsonObject Settings, LocalChange Change, double MacsLeft = 1, double AlsoSaved = 0)
{
    public bool Alternative { get; init; }
}

/// <summary>
/// A layer a pass may rewrite, with its settings from mildest to most aggressive. <see cref="Node"/>
/// names it in logs; <see cref="Members"/> are the nodes whose per-node settings it sets (one node,
/// or every conv of a prune channel group: they move together).
/// </summary>
public sealed record LayerKnob(string Node, string Pass, IReadOnlyList<KnobSetting> Ladder, IReadOnlyList<string> Members)
{
    public LayerKnob(string node, string pass, IReadOnlyList<KnobSetting> ladder) : this(node, pass, ladder, [node]) { }

    /// <summary>Identifies the knob: one node may have a knob for each of several passes (prune and quantize).</summary>
    public string Key => $"{Node} by {Pass}";
}

/// <summary>
/// What a knob setting does to one layer's arithmetic, in terms the sensitivity profile can
/// evaluate on the layer's own float inputs without building the rewritten model.
/// </summary>
public abstract record LocalChange
{
    /// <summary>
    /// The layer computes with other weights of the same shape and layout (a low-rank approximation
    /// of them); lazy, since only the profile needs them and an SVD per layer is not free.
    /// </summary>
    public sealed record ReplacedWeights(Lazy<float[]> Weights) : LocalChange;

    /// <summary>The listed output channels are removed (structured pruning), the same channels in every member.</summary>
    public sealed record RemovedOutputs(IReadOnlyList<int> Channels) : LocalChange;

    /// <summary>
    /// Integer arithmetic: the layer's float inputs and output rounded to a grid spanning their
    /// calibrated range (<paramref name="ActivationBits"/>; 0: inputs stay float), its weights to
    /// <paramref name="WeightBits"/> bits, per output channel or per tensor. <paramref name="RoundsOutput"/>
    /// false: the output stays float (dynamic int8, which scales its int32 result back to float).
    /// </summary>
    public sealed record Quantized(int ActivationBits, int WeightBits, bool PerChannel, bool RoundsOutput = true) : LocalChange;
}
