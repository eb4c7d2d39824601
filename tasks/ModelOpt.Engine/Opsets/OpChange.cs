using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets;

/// <summary>
/// How one operator's form or meaning changed at opset <see cref="At"/>, and how a node written
/// for an earlier opset is rewritten to mean the same afterwards. A node is converted when the
/// model's opset is below <see cref="At"/> and the target is at or above it.
/// </summary>
/// <param name="Refusal">Why this node cannot be converted (null: it can); asked before anything is rewritten.</param>
/// <param name="Apply">Rewrites the node (in place, or by replacing it) into its form at <see cref="At"/> and later.</param>
internal sealed record OpChange(string OpType, long At, Func<Node, ConversionScope, string?> Refusal, Action<Node, ConversionScope> Apply)
{
    /// <summary>A change every node of the op can take.</summary>
    public static OpChange Always(string opType, long at, Action<Node, ConversionScope> apply) => new(opType, at, (_, _) => null, apply);

    /// <summary>A change no rewrite here expresses: the op is named with why.</summary>
    public static OpChange Refused(string opType, long at, string why) => new(opType, at, (_, _) => why, (_, _) => { });
}
