using System.Text.Json.Nodes;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// <c>prune</c>: structured channel pruning (removes whole conv filters and every input that reads
/// them, following channel groups through BN, activations, residual Adds, Concats, depthwise convs
/// and Flatten→Gemm), or unstructured magnitude pruning (zeroes weights; a size win only).
/// </summary>
public sealed class PrunePass : IKnobProvider
{
    public const string PassName = "prune";

    public string Name => PassName;

    public Type SettingsType => typeof(PruneSettings);

    public string Description => "Remove the least important conv channels (structured, by L1/L2 norm, to a ratio or FLOP target) or zero small weights (unstructured).";

    public PassOutcome Run(Model model, PassContext context)
    {
        string file = context.Config.SourcePath ?? "modelopt.json";
        var global = context.Settings<PruneSettings>(PassName);
        PruneSettings? SettingsFor(Node node) => context.Settings<PruneSettings>(PassName, node);

        if (model.Graph.SortTopologically().Count > 0)
            return PassOutcome.Unchanged("the graph has a cycle; nothing was pruned");
        return global.Mode == PruneMode.Unstructured
            ? UnstructuredPruning.Run(model.Graph, global, SettingsFor)
            : RunStructured(model, global, SettingsFor, file, context);
    }

    public KnobSaving Saves => KnobSaving.Macs;

    public IReadOnlyList<LayerKnob> Knobs(Model model, PassContext context) => PruneKnobs.For(model, context.Config, context.Bindings);

    private static PassOutcome RunStructured(Model model, PruneSettings settings, Func<Node, PruneSettings?> settingsFor, string file, PassContext context)
    {
        var bindings = context.Bindings;
        var notes = new List<string>();
        var groups = ChannelDependencyAnalysis.Analyze(model.Graph, settingsFor);
        var selection = new ChannelSelection(groups, ChannelImportance.Compute(groups, settings.Importance), settings);
        var cost = LinearCost.Build(model.Graph, groups);
        if (settings.TargetFlops is not null && cost.Unmeasured is not null)
        {
            // The FLOP target needs every layer's output size: infer the shapes the model does not declare.
            ShapeInference.Run(model, bindings);
            cost = LinearCost.Build(model.Graph, groups);
        }

        foreach (int root in groups.Roots)
            if (groups.BlockReasons(root) is { Count: > 0 } reasons)
                notes.Add($"{groups.Name(root)}: skipped ({groups.Count(root)} channels kept), {string.Join("; ", reasons)}");
        if (selection.Prunable.Count == 0)
            return new PassOutcome(false, 0, [.. notes, "no channel group can be pruned"]);

        Dictionary<int, int> keepCounts;
        if (settings.TargetFlops is double target)
        {
            if (cost.Unmeasured is { } node)
                throw new ModelOptException(ErrorCode.InvalidConfig, file,
                    $"'prune.targetFlops' needs the output shape of every Conv/Gemm/MatMul, and {node} has none (shape inference could not tell it; give the inputs fixed shapes) or drop targetFlops and use 'prune.ratio'.");
            keepCounts = SearchForTarget(selection, cost, target, settings.RatioGiven ? settings.Ratio : PruneSettings.DefaultTargetSearchCap, notes);
        }
        else keepCounts = selection.KeepCounts(settings.Ratio);

        // Channels a plan recorded are kept as recorded: no ranking, so a replay prunes the same ones.
        // A replayed plan's "keep" comes from its lock: an error in it names the lock (MOPT2040), else the config.
        var recorded = Recorded(groups, selection, settingsFor, context.RecordedSource ?? file, context.RecordedSource is null ? ErrorCode.InvalidConfig : ErrorCode.InvalidLockFile);
        foreach (var (root, mask) in recorded) keepCounts[root] = mask.Count(k => k);
        var masks = selection.Masks(keepCounts);
        foreach (var (root, mask) in recorded) masks[root] = mask;
        foreach (var (root, keep) in keepCounts.OrderBy(kv => kv.Key))
        {
            int count = groups.Count(root), convs = groups.Producers(root).Count;
            notes.Add(keep < count
                ? $"{groups.Name(root)}: {count} → {keep} channels" + (convs > 1 ? $" (tied with {convs - 1} other conv(s) through residual adds)" : "")
                : $"{groups.Name(root)}: {count} channels kept (rounding to multiples of the roundTo setting leaves nothing to remove)");
        }
        if (cost.Unmeasured is null)
        {
            double before = cost.Flops(new Dictionary<int, int>()), after = cost.Flops(keepCounts);
            notes.Add($"Conv/Gemm/MatMul FLOPs {before:N0} → {after:N0} ({(before > 0 ? 1 - after / before : 0):P1} fewer)");
        }
        foreach (var (root, mask) in masks)
        {
            var kept = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, mask.Length).Where(c => mask[c]).Select(c => (System.Text.Json.Nodes.JsonNode)c).ToArray());
            foreach (var producer in groups.Producers(root).Where(p => p.Name.Length > 0))
                context.Decide(PassName, producer, new System.Text.Json.Nodes.JsonObject { ["keep"] = kept.DeepClone() });
        }
        int touched = ChannelRemoval.Apply(model.Graph, groups, masks);
        // refit may then fit a pruned layer to the teacher's channels it kept (He et al. 2017).
        foreach (var (root, mask) in masks)
            if (mask.Any(k => !k))
                foreach (var producer in groups.Producers(root))
                    context.TeacherValues.RecordKeptChannels(producer.Output(0), Enumerable.Range(0, mask.Length).Where(c => mask[c]).ToList());
        return new PassOutcome(touched > 0, touched, notes);
    }

    // Each prunable group's mask from the "keep" its convs were given (a plan's record); tied convs must agree.
    private static Dictionary<int, bool[]> Recorded(ChannelGroups groups, ChannelSelection selection, Func<Node, PruneSettings?> settingsFor, string file, ErrorCode code)
    {
        var recorded = new Dictionary<int, bool[]>();
        foreach (int root in selection.Prunable)
        {
            int count = groups.Count(root);
            foreach (var producer in groups.Producers(root))
            {
                if (settingsFor(producer)?.Keep is not { } keep) continue;
                if (keep.Any(c => c >= count))
                    throw new ModelOptException(code, file, $"prune 'keep' of node '{producer.Name}' names channel {keep.Max()}, and its group has {count} channels (0 to {count - 1}).");
                var mask = new bool[count];
                foreach (int c in keep) mask[c] = true;
                if (recorded.TryGetValue(root, out var other) && !other.SequenceEqual(mask))
                    throw new ModelOptException(code, file, $"prune 'keep' of node '{producer.Name}' differs from that of the convs tied to it ({groups.Name(root)}): they share their channels, so they keep the same ones.");
                recorded[root] = mask;
            }
        }
        return recorded;
    }

    // The smallest ratio (up to the cap) whose FLOPs meet the target; FLOPs fall as the ratio grows.
    private static Dictionary<int, int> SearchForTarget(ChannelSelection selection, LinearCost cost, double target, double cap, List<string> notes)
    {
        if (cost.Flops(selection.KeepCounts(0)) <= target)
        {
            notes.Add($"the model already meets targetFlops {target:N0}; nothing pruned");
            return selection.KeepCounts(0);
        }
        var atCap = selection.KeepCounts(cap);
        double flopsAtCap = cost.Flops(atCap);
        if (flopsAtCap > target)
        {
            notes.Add($"targetFlops {target:N0} not reached: pruning at the largest ratio {cap:0.###} leaves {flopsAtCap:N0} FLOPs in Conv/Gemm/MatMul");
            return atCap;
        }
        double low = 0, high = cap;
        for (int i = 0; i < 30; i++)
        {
            double mid = (low + high) / 2;
            if (cost.Flops(selection.KeepCounts(mid)) <= target) high = mid;
            else low = mid;
        }
        notes.Add($"targetFlops {target:N0}: reached at ratio {high:0.###}");
        return selection.KeepCounts(high);
    }
}
