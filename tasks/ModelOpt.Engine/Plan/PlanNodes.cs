using System.Globalization;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// The seam between a plan's per-layer decisions and the passes: a search's choices (kept as
/// exact-name node settings on its config) become <see cref="NodeDecision"/>s, and a plan's
/// decisions become those node settings again for the passes to read, so what the search tried is
/// what a replay builds.
/// </summary>
public static class PlanNodes
{
    /// <summary>The per-node choices a config carries beyond the user's own overrides (a search's).</summary>
    public static IReadOnlyList<NodeDecision> From(OptimizeConfig config) =>
        config.NodeSettings.Select(n => new NodeDecision(n.Node, n.Pass, n.Settings, Label(n.Pass, n.Settings))).ToList();

    /// <summary><paramref name="config"/> with the plan's per-node decisions and pass list, as the passes read them.</summary>
    public static OptimizeConfig Apply(OptimizeConfig config, OptimizationPlan plan) =>
        plan.Nodes.Count == 0 ? config : config.WithNodeSettings(plan.Nodes.Select(n => (n.Node, n.Pass, n.Settings)).ToList(), plan.Passes);

    /// <summary>
    /// The search's decisions with what the passes then chose per node laid over them (a layer's
    /// kept channels over its prune ratio), so the plan says exactly what was built; a node the
    /// search left alone stays alone.
    /// </summary>
    public static IReadOnlyList<NodeDecision> Merge(IReadOnlyList<NodeDecision> searched, IReadOnlyList<NodeDecision> chosen)
    {
        var merged = searched.ToList();
        foreach (var choice in chosen)
        {
            int i = merged.FindIndex(n => n.Node == choice.Node && n.Pass == choice.Pass);
            if (i < 0)
            {
                merged.Add(choice);
                continue;
            }
            if (merged[i].Settings is not { } settings) continue;
            var laid = settings.DeepClone().AsObject();
            foreach (var (key, value) in choice.Settings ?? []) laid[key] = value?.DeepClone();
            merged[i] = new NodeDecision(choice.Node, choice.Pass, laid, Label(choice.Pass, laid));
        }
        return merged;
    }

    /// <summary>A decision in words: <c>unchanged</c> (left as it is; <c>float</c> for quantize), <c>on</c> (the pass's own settings; <c>int8</c> for quantize), else its settings (<c>rank=8</c>).</summary>
    public static string Label(string pass, JsonObject? settings) => settings switch
    {
        { } kept when kept["keep"] is JsonArray channels => $"keeps {channels.Count} channel(s)",
        null => pass == Passes.Quantize.QuantizePass.PassName ? "float" : "unchanged",
        { Count: 0 } => pass == Passes.Quantize.QuantizePass.PassName ? "quantized" : "on",
        _ => string.Join(", ", settings.Select(kv => $"{kv.Key}={(kv.Value is JsonValue v ? Convert.ToString(v.GetValue<object>(), CultureInfo.InvariantCulture) : kv.Value?.ToJsonString())}")),
    };
}
