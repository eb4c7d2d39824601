using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Ops whose float attributes became inputs at 11, typed like the data they apply to: Clip's
/// min and max (absent: unbounded, as before) and Pad's pads and constant value (mode stays an
/// attribute).
/// </summary>
internal static class BoundsToInputs
{
    public static IEnumerable<OpChange> Changes =>
    [
        OpChange.Always("Clip", 11, (node, _) =>
        {
            float? min = node.Attribute("min")?.F, max = node.Attribute("max")?.F;
            node.RemoveAttribute("min");
            node.RemoveAttribute("max");
            var data = node.Input(0);
            node.SetInput(1, min is float lo ? ConversionScope.ScalarLike(node, data, "min", lo) : null);
            node.SetInput(2, max is float hi ? ConversionScope.ScalarLike(node, data, "max", hi) : null);
            if (max is null) node.TruncateInputs(min is null ? 1 : 2);
        }),
        new OpChange("Pad", 11,
            (node, _) => node.GetInts("pads") is null ? "it has no 'pads' attribute" : null,
            (node, _) =>
            {
                float value = node.GetFloat("value", 0f);
                node.RemoveAttribute("value");
                ConversionScope.MoveIntsToInput(node, "pads", 1);
                if (value != 0f) node.SetInput(2, ConversionScope.ScalarLike(node, node.Input(0), "value", value));
            }),
    ];
}
