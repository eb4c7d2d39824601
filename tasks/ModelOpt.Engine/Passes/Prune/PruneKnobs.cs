using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// The prune knobs of a model: every channel group structured pruning could cut under the given
/// configuration (its convs move together, since residual adds tie their filters), with a ladder of
/// ratios from mildest to most aggressive and, for each, the channels the pass would remove (the
/// same importance ranking the pass uses). Unstructured pruning saves no MACs, so it has no knobs.
/// </summary>
public static class PruneKnobs
{
    /// <summary>
    /// Fractions tried, mildest first, in sixteenths: every channel count of a group of up to 16, so
    /// the search can stop one channel short of the count that breaks a budget. Those that remove
    /// no more channels than a milder one are dropped.
    /// </summary>
    public static IReadOnlyList<double> Fractions { get; } = [.. Enumerable.Range(1, 15).Select(i => i / 16.0)];

    /// <summary>
    /// Groups blocked by the graph (a Reshape, a graph output…) or by the user's own nulls have no
    /// knob, nor do groups with an unnamed conv (per-node settings cannot address it).
    /// </summary>
    public static IReadOnlyList<LayerKnob> For(Model model, OptimizeConfig config, ShapeBindings? bindings = null)
    {
        var global = config.Settings<PruneSettings>(PrunePass.PassName);
        PruneSettings? SettingsFor(Node node) => config.Settings<PruneSettings>(PrunePass.PassName, node);
        if (global.Mode == PruneMode.Unstructured || model.Graph.SortTopologically().Count > 0) return [];

        var groups = ChannelDependencyAnalysis.Analyze(model.Graph, SettingsFor);
        var selection = new ChannelSelection(groups, ChannelImportance.Compute(groups, global.Importance), global);
        // The consumers of a group's channels lose the same inputs: what the setting saves beyond its own convs.
        var cost = LinearCost.Build(model.Graph, groups);
        if (cost.Unmeasured is not null)
        {
            // A copy of a model keeps only the shapes it declares; the consumers' share needs them all.
            ShapeInference.Run(model, bindings ?? ShapeBindings.None);
            cost = LinearCost.Build(model.Graph, groups);
        }
        var none = new Dictionary<int, int>();
        double allFlops = cost.Flops(none);
        var knobs = new List<LayerKnob>();
        foreach (int root in groups.Roots)
        {
            var convs = groups.Producers(root);
            if (groups.BlockReasons(root).Count > 0 || convs.Any(c => c.Name.Length == 0)) continue;
            var own = convs.ToHashSet();
            double ownFlops = cost.Flops(none, own);
            int count = groups.Count(root);
            var steps = new List<KnobSetting>();
            int last = count;
            foreach (double fraction in Fractions)
            {
                int keep = ChannelSelection.Round(count * (1 - fraction), count, global.RoundTo);
                if (keep >= last) continue;
                last = keep;
                var kept = new Dictionary<int, int> { [root] = keep };
                var mask = selection.Masks(kept)[root];
                var removed = Enumerable.Range(0, count).Where(c => !mask[c]).ToList();
                double also = cost.Unmeasured is null && ownFlops > 0
                    ? Math.Max(0, (allFlops - cost.Flops(kept)) - (ownFlops - cost.Flops(kept, own))) / ownFlops : 0;
                steps.Add(new KnobSetting($"ratio {fraction:0.###} ({keep} of {count} channels)", new JsonObject { ["ratio"] = fraction },
                    new LocalChange.RemovedOutputs(removed), (double)keep / count, also));
            }
            if (steps.Count > 0) knobs.Add(new LayerKnob(groups.Name(root), PrunePass.PassName, steps, convs.Select(c => c.Name).ToList()));
        }
        return knobs;
    }
}
