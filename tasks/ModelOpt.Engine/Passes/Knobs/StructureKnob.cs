using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Knobs;

/// <summary>What a structure knob is offered for, which decides how the search weighs it.</summary>
public enum StructureGain
{
    /// <summary>Keeps layers float where int8 rounding adds up (the first layer, the stem): taken when it alone lets every other layer stay int8 within the budgets.</summary>
    Fidelity,
    /// <summary>Changes how the int8 graph runs (integer hard-swish instead of a float island): taken when it keeps the budgets and is faster beyond the noise of interleaved runs.</summary>
    Speed,
}

/// <summary>
/// A choice about the layout of a pass's rewrite rather than about one layer: which layers stay
/// float around the int8 ones, or how an op between them is written. It is expressed in per-node
/// settings, as the search's layer knobs are, so a plan records it and a replay builds it:
/// <see cref="FloatNodes"/> are left out of the pass (their layer knobs are not turned) and
/// <see cref="SettingNodes"/> get <see cref="Settings"/> laid over the pass's own.
/// </summary>
public sealed record StructureKnob(string Name, string Pass, StructureGain Gain, IReadOnlyList<string> FloatNodes, IReadOnlyList<string> SettingNodes, JsonObject Settings)
{
    public override string ToString() => Name;
}
