using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Analysis;

/// <summary>
/// The figures behind <c>dotnet model-opt analyze</c>: shapes, per-node cost, totals and the time
/// estimate (total FLOPs ÷ device FLOPS).
/// </summary>
public static class ModelAnalyzer
{
    public static AnalysisReport Analyze(Model model, AnalysisOptions options)
    {
        if (!(options.DeviceFlops > 0)) throw new ArgumentOutOfRangeException(nameof(options), "DeviceFlops must be positive.");
        var shapes = ShapeInference.Run(model, options.Bindings, options.RuntimeShapes);
        var nodes = CostModel.Compute(model, shapes);

        long parameters = 0, macs = 0, flops = 0, weightBytes = 0, activationBytes = 0;
        foreach (var n in nodes)
        {
            parameters += n.Parameters;
            macs += n.Macs ?? 0;
            flops += n.Flops ?? 0;
            weightBytes += n.WeightBytes;
            activationBytes += n.ActivationBytes;
        }
        var totals = new AnalysisTotals(parameters, macs, flops, weightBytes, activationBytes, flops / options.DeviceFlops, options.DeviceFlops);

        var unknownOps = nodes.Where(n => !n.IsKnownOp).Select(n => n.Domain.Length > 0 ? $"{n.Domain}:{n.OpType}" : n.OpType)
            .Distinct().Order(StringComparer.Ordinal).ToList();

        return new AnalysisReport(
            options.ModelName ?? (model.SourcePath is { } p ? Path.GetFileName(p) : model.Graph.Name),
            Inputs(model),
            totals,
            nodes,
            unknownOps,
            Provenance(model.Graph),
            Notes(model, nodes, shapes, unknownOps));
    }

    private static List<InputSpec> Inputs(Model model) =>
        model.Graph.Inputs.Where(v => v.Initializer is null)
            .Select(v => new InputSpec(v.Name, v.Shape?.ToString() ?? "?", DataTypes.Name(v.ElementType)))
            .ToList();

    private static ShapeProvenance Provenance(Graph graph)
    {
        var counts = new int[Enum.GetValues<ShapeSource>().Length];
        void Count(Graph g)
        {
            foreach (var input in g.Inputs)
                if (input.Initializer is null) counts[(int)input.ShapeSource]++;
            foreach (var node in g.Nodes)
            {
                foreach (var output in node.Outputs)
                    if (output is not null) counts[(int)(output.Shape is null ? ShapeSource.Unknown : output.ShapeSource)]++;
                foreach (var body in node.Subgraphs.Values) Count(body);
            }
        }
        Count(graph);
        return new ShapeProvenance(counts[(int)ShapeSource.Declared], counts[(int)ShapeSource.Bound],
            counts[(int)ShapeSource.Inferred], counts[(int)ShapeSource.Runtime], counts[(int)ShapeSource.Unknown]);
    }

    private static List<string> Notes(Model model, IReadOnlyList<NodeCost> nodes, ShapeInferenceResult shapes, List<string> unknownOps)
    {
        var notes = new List<string>(shapes.Notes);
        if (unknownOps.Count > 0)
            notes.Add($"ops the cost model does not know (not counted in the totals): {string.Join(", ", unknownOps)}.");
        int uncosted = nodes.Count(n => n.IsKnownOp && n.Flops is null);
        if (uncosted > 0)
            notes.Add($"{uncosted} node(s) have unknown cost because shapes they need are unknown; bind inputs with {OptionNames.Shape.Name} or run with runtime shapes.");
        if (shapes.Unresolved.Count > 0)
        {
            var first = shapes.Unresolved.Take(3).Select(p => $"{p.Key.OpType} '{p.Key.Name}': {p.Value}");
            notes.Add($"shape inference left {shapes.Unresolved.Count} node(s) unknown, e.g. {string.Join("; ", first)}.");
        }
        if (model.Graph.AllNodes().Any(n => n.Owner.OwnerNode is not null && !shapes.IsNotTaken(n)))
            notes.Add(shapes.NotTaken.Count > 0
                ? "nodes inside subgraphs are counted once each: the If branch the bound values select, one iteration of a Loop."
                : $"nodes inside subgraphs (If branches, Loop bodies) are counted once each: both branches of an If, one iteration of a Loop; bind the inputs an If depends on ({OptionNames.Value.With()}) to count only the branch taken.");
        return notes;
    }
}
