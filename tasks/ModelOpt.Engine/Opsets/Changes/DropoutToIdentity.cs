using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Dropout's mask changed type at 10 (the input's type, then bool) and its ratio became an input
/// at 12. A model that is run, not trained, drops nothing: the node becomes an Identity, which
/// every opset reads the same. A node whose mask is read is refused: its type would change.
/// </summary>
internal static class DropoutToIdentity
{
    public static IEnumerable<OpChange> Changes =>
    [
        new OpChange("Dropout", 12,
            (node, _) => node.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput)) ? "its mask output is read, and the mask's type changed at opset 10" : null,
            (node, _) =>
            {
                var identity = node.Owner.CreateNode("Identity", [node.Input(0)], name: node.Name, before: node);
                ConversionScope.Replace(node, identity);
            }),
    ];
}
