using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Ops whose integer attributes became inputs, with the same meaning: Slice's starts, ends and
/// axes at 10, TopK's k at 10, and at 13 the axes of Squeeze, Unsqueeze and ReduceSum and
/// Split's split. An absent attribute stays an absent input (the defaults did not change:
/// ReduceSum without axes reduces everything, Split without split cuts equal parts).
/// </summary>
internal static class AttributesToInputs
{
    public static IEnumerable<OpChange> Changes =>
    [
        OpChange.Always("Slice", 10, (node, _) =>
        {
            bool hasAxes = node.GetInts("axes") is not null;
            ConversionScope.MoveIntsToInput(node, "starts", 1);
            ConversionScope.MoveIntsToInput(node, "ends", 2);
            if (hasAxes) ConversionScope.MoveIntsToInput(node, "axes", 3);
        }),
        new OpChange("TopK", 10,
            (node, _) => node.Attribute("k") is null ? "it has no 'k' attribute" : null,
            (node, _) =>
            {
                long k = node.GetInt("k", 0);
                node.RemoveAttribute("k");
                node.SetInput(1, ConversionScope.Int64s(node, "k", [k]));
            }),
        OpChange.Always("Squeeze", 13, (node, _) => ConversionScope.MoveIntsToInput(node, "axes", 1)),
        OpChange.Always("Unsqueeze", 13, (node, _) => ConversionScope.MoveIntsToInput(node, "axes", 1)),
        OpChange.Always("ReduceSum", 13, (node, _) => ConversionScope.MoveIntsToInput(node, "axes", 1)),
        OpChange.Always("Split", 13, (node, _) => ConversionScope.MoveIntsToInput(node, "split", 1)),
    ];
}
