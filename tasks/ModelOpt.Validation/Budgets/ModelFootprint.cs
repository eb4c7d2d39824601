using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Validation.Budgets;

/// <summary>A model's static figures: FLOPs (null when the cost model cannot count them all), parameters, bytes, and the per-node costs behind them.</summary>
public sealed record ModelFootprint(long? Flops, long Parameters, long Bytes, IReadOnlyList<NodeCost> Nodes)
{
    public static ModelFootprint Of(Model model, ShapeBindings bindings, long bytes)
    {
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { Bindings = bindings, DeviceFlops = 1e9 });
        bool complete = report.UnknownOps.Count == 0 && report.Nodes.All(n => n.Flops is not null);
        return new ModelFootprint(complete ? report.Totals.Flops : null, report.Totals.Parameters, bytes, report.Nodes);
    }
}
