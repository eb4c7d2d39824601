using System.Text.Json.Nodes;

namespace ModelOpt.Validation.Optimization.Search;

/// <summary>One setting of a knob: a label for the log and the pass settings for its nodes.</summary>
public sealed record KnobSetting(string Label, JsonObject Settings);

/// <summary>
/// A layer the search may rewrite by one pass, with its settings from mildest to most aggressive.
/// <see cref="Node"/> names it in the log; <see cref="Members"/> are the nodes whose per-node
/// settings it sets (one node, or every conv of a prune channel group: they must move together).
/// </summary>
public sealed record LayerKnob(string Node, string Pass, IReadOnlyList<KnobSetting> Ladder, IReadOnlyList<string> Members)
{
    public LayerKnob(string node, string pass, IReadOnlyList<KnobSetting> ladder) : this(node, pass, ladder, [node]) { }

    /// <summary>Identifies the knob: one node may have a knob for each of several passes (prune and quantize).</summary>
    public string Key => $"{Node} by {Pass}";
}
