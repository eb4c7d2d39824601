using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// The pass sections a plan was chosen with beyond the user's own (<see cref="OptimizationPlan.Settings"/>):
/// what the search set for its trials (refit of every layer on a small model) or the automatic plan
/// for one of its tries (dynamic int8). A replay lays them over the user's settings again; without
/// them a replay would rebuild the plan's passes with other settings and write another model.
/// </summary>
public static class PlanSettings
{
    /// <summary>Per pass, the keys <paramref name="chosen"/> sets that <paramref name="given"/> does not, or sets otherwise; null when none.</summary>
    public static JsonObject? Added(OptimizeConfig given, OptimizeConfig chosen, IEnumerable<string> passes)
    {
        var added = new JsonObject();
        foreach (var pass in passes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var own = given.SettingsFor(pass);
            var section = new JsonObject();
            foreach (var (key, value) in chosen.SettingsFor(pass).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                if (!own.TryGetPropertyValue(key, out var was) || !JsonNode.DeepEquals(was, value)) section[key] = value?.DeepClone();
            if (section.Count > 0) added[pass] = section;
        }
        return added.Count > 0 ? added : null;
    }

    /// <summary><paramref name="over"/>'s keys laid over <paramref name="under"/>'s, pass by pass; null when both are.</summary>
    public static JsonObject? Merge(JsonObject? under, JsonObject? over)
    {
        if (under is null) return over?.DeepClone().AsObject();
        var merged = under.DeepClone().AsObject();
        foreach (var (pass, section) in over ?? [])
        {
            if (section is not JsonObject keys) continue;
            var into = merged[pass] as JsonObject ?? [];
            foreach (var (key, value) in keys) into[key] = value?.DeepClone();
            merged[pass] = into;
        }
        return merged;
    }
}
