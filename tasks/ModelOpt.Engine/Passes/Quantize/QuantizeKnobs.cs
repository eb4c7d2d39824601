using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// The int8-or-float choices of a model for the accuracy-aware search: the named nodes the
/// configured quantize mode would rewrite and that the user's configuration does not already keep
/// float (a null override, <c>exclude</c>, <c>keepFloat</c>). A node the search keeps float is left
/// alone exactly as a null override would leave it.
/// </summary>
public static class QuantizeKnobs
{
    /// <summary>Names in graph order. Infers shapes on <paramref name="model"/> (static mode needs element types), so pass a copy you own.</summary>
    public static IReadOnlyList<string> For(Model model, OptimizeConfig config)
    {
        var settings = config.Settings<QuantizeSettings>(QuantizePass.PassName);
        var graph = model.Graph;
        if (graph.SortTopologically().Count > 0) return [];
        bool userKeepsFloat(Node n) => n.Name.Length == 0 || config.SettingsFor(QuantizePass.PassName, n) is null || settings.Excludes(n);
        List<Node> layers;
        switch (settings.Mode)
        {
            case QuantizeMode.Static:
                ShapeInference.Run(model, ShapeBindings.None);
                var weighted = graph.Nodes.Where(StaticQuantizer.IsWeighted).ToList();
                var stem = settings.KeepStem ? StaticQuantizer.Stem(graph) : [];
                layers = graph.Nodes.Where(StaticQuantizer.IsCandidate)
                    .Where(n => !(settings.KeepFirst && n == weighted[0]) && !(settings.KeepLast && n == weighted[^1]) && !(settings.KeepDepthwise && StaticQuantizer.IsDepthwise(n)) && !stem.Contains(n))
                    .ToList();
                break;
            case QuantizeMode.Dynamic:
                var candidates = graph.Nodes.Where(DynamicQuantizer.IsCandidate).ToList();
                layers = candidates.Where(n => !(settings.KeepFirst && n == candidates[0]) && !(settings.KeepLast && n == candidates[^1])).ToList();
                break;
            default:
                layers = graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType == "MatMul"
                    && n.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 } w && w.ElementCount >= Int4Quantizer.MinimumWeights).ToList();
                break;
        }
        return layers.Where(n => !userKeepsFloat(n)).Select(n => n.Name).ToList();
    }
}
