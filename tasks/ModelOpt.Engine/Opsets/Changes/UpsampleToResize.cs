using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets.Changes;

/// <summary>
/// Upsample (scales an attribute up to opset 8, an input at 9, removed at 10) becomes Resize, and
/// Resize-10 takes Resize-11's inputs (X, roi, scales). Both computed source coordinates as
/// <c>x_out / scale</c> (asymmetric) and, for nearest, truncated them (ceil where an axis
/// shrinks, as ONNX Runtime did): Resize-11 says so explicitly, where its defaults (half_pixel,
/// round_prefer_floor) would shift every pixel.
/// </summary>
internal static class UpsampleToResize
{
    public static IEnumerable<OpChange> Changes =>
    [
        new OpChange("Upsample", 10, Refusal, (node, _) => ToResize(node, node.GetFloats("scales"))),
        new OpChange("Resize", 11, Refusal, (node, _) => ToResize(node, null)),
    ];

    private static string? Refusal(Node node, ConversionScope scope)
    {
        string mode = Mode(node);
        if (mode is not ("nearest" or "linear")) return $"its mode '{mode}' has no Resize equivalent";
        if (node.OpType == "Upsample" && scope.From < 9 && node.GetFloats("scales") is null) return "it has no 'scales' attribute";
        if (mode == "nearest" && NearestMode(node) is null)
            return "it is a nearest resize whose scales are not constant or both grow and shrink axes, so its rounding cannot be stated as one Resize-11 nearest_mode";
        return null;
    }

    private static string Mode(Node node) => node.GetString("mode", "nearest") is "bilinear" ? "linear" : node.GetString("mode", "nearest");

    private static float[]? Scales(Node node) => node.GetFloats("scales") ?? node.Input(1)?.ConstantValue?.ToFloats();

    // Truncation (floor) where axes grow or keep their size, ceil where they all shrink.
    private static string? NearestMode(Node node)
    {
        if (node.OpType == "Upsample") return "floor";   // Upsample's scales are at least 1
        if (Scales(node) is not { } scales) return null;
        if (scales.All(s => s >= 1)) return "floor";
        if (scales.All(s => s <= 1)) return "ceil";
        return null;
    }

    private static void ToResize(Node node, float[]? attributeScales)
    {
        string mode = Mode(node);
        string? nearest = mode == "nearest" ? NearestMode(node) : null;
        var scales = attributeScales is { } s ? ConversionScope.Floats(node, "scales", s) : node.Input(1);
        node.Proto.OpType = "Resize";
        foreach (string attribute in new[] { "scales", "mode" }) node.RemoveAttribute(attribute);
        node.SetString("mode", mode);
        node.SetString("coordinate_transformation_mode", "asymmetric");
        if (nearest is not null) node.SetString("nearest_mode", nearest);
        node.TruncateInputs(1);
        node.SetInput(1, ConversionScope.Floats(node, "roi", []));
        node.SetInput(2, scales);
    }
}
