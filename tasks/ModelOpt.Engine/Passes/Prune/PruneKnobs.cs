using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>One ratio a prune knob can be set to, and what it means for the layer.</summary>
public sealed record PruneStep(double Ratio, string Label);

/// <summary>
/// A unit that <c>prune</c> can be told to cut by one ratio: in structured mode a channel group
/// (its convs are named by <see cref="Nodes"/>, and all of them must get the same ratio, since
/// residual adds tie their filters together); in unstructured mode one weighted node.
/// <see cref="Name"/> is the group's first conv, as the pass's notes call it.
/// </summary>
public sealed record PruneKnob(string Name, IReadOnlyList<string> Nodes, IReadOnlyList<PruneStep> Steps);

/// <summary>
/// The prune knobs of a model for the accuracy-aware search: every channel group the pass could
/// prune under the given configuration, with a ladder of ratios from mildest to most aggressive.
/// </summary>
public static class PruneKnobs
{
    /// <summary>Fractions tried, mildest first; those that remove no more channels than a milder one are dropped.</summary>
    public static IReadOnlyList<double> Fractions { get; } = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875];

    /// <summary>
    /// Groups blocked by the graph (a Reshape, a graph output…) or by the user's own nulls have no
    /// knob, nor do groups with an unnamed conv (per-node settings cannot address it).
    /// </summary>
    public static IReadOnlyList<PruneKnob> For(Model model, OptimizeConfig config)
    {
        var global = config.Settings<PruneSettings>(PrunePass.PassName);
        PruneSettings? SettingsFor(Node node) => config.Settings<PruneSettings>(PrunePass.PassName, node);
        if (model.Graph.SortTopologically().Count > 0) return [];
        return global.Mode == PruneMode.Unstructured ? Unstructured(model.Graph, SettingsFor) : Structured(model.Graph, global, SettingsFor);
    }

    private static List<PruneKnob> Structured(Graph graph, PruneSettings global, Func<Node, PruneSettings?> settingsFor)
    {
        var groups = ChannelDependencyAnalysis.Analyze(graph, settingsFor);
        var knobs = new List<PruneKnob>();
        foreach (int root in groups.Roots)
        {
            var convs = groups.Producers(root);
            if (groups.BlockReasons(root).Count > 0 || convs.Any(c => c.Name.Length == 0)) continue;
            int count = groups.Count(root);
            var steps = new List<PruneStep>();
            int last = count;
            foreach (double fraction in Fractions)
            {
                int keep = ChannelSelection.Round(count * (1 - fraction), count, global.RoundTo);
                if (keep >= last) continue;
                last = keep;
                steps.Add(new PruneStep(fraction, $"ratio {fraction:0.###} ({keep} of {count} channels)"));
            }
            if (steps.Count > 0) knobs.Add(new PruneKnob(groups.Name(root), convs.Select(c => c.Name).ToList(), steps));
        }
        return knobs;
    }

    private static List<PruneKnob> Unstructured(Graph graph, Func<Node, PruneSettings?> settingsFor) =>
        graph.Nodes
            .Where(n => n.Name.Length > 0 && n.Domain.Length == 0 && n.OpType is "Conv" or "Gemm" or "MatMul"
                && n.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float } && settingsFor(n) is not null)
            .Select(n => new PruneKnob(n.Name, [n.Name], Fractions.Select(f => new PruneStep(f, $"sparsity {f:0.###}")).ToList()))
            .ToList();

    /// <summary>The per-node settings that set one step.</summary>
    public static JsonObject Settings(PruneStep step) => new() { ["ratio"] = step.Ratio };
}
