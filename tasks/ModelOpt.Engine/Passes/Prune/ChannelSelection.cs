namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// Decides how many channels each prunable group keeps for a given ratio: per group (layer scope),
/// or under one threshold over importances normalized by their group's mean (global scope, so a
/// layer whose channels are all alike is not wiped out because its norms are small). Counts are
/// rounded to multiples of roundTo and never drop below roundTo (nor to zero).
/// </summary>
internal sealed class ChannelSelection
{
    private readonly ChannelGroups _groups;
    private readonly Dictionary<int, double[]> _importance;
    private readonly PruneSettings _settings;
    private readonly List<int> _prunable;
    private readonly (int Root, double Score)[] _globalOrder;

    public ChannelSelection(ChannelGroups groups, Dictionary<int, double[]> importance, PruneSettings settings)
    {
        _groups = groups;
        _importance = importance;
        _settings = settings;
        _prunable = groups.Roots.Where(r => groups.BlockReasons(r).Count == 0).ToList();
        _globalOrder = _prunable
            .Where(r => groups.RatioCap(r) is null)
            .SelectMany(r =>
            {
                var scores = importance[r];
                double mean = scores.Average();
                return scores.Select(s => (Root: r, Score: mean > 0 ? s / mean : 0));
            })
            .OrderBy(p => p.Score)
            .ToArray();
    }

    public IReadOnlyList<int> Prunable => _prunable;

    /// <summary>Channels each prunable group keeps when <paramref name="ratio"/> of them is to go.</summary>
    public Dictionary<int, int> KeepCounts(double ratio)
    {
        var keep = new Dictionary<int, int>();
        var removedGlobally = new Dictionary<int, int>();
        if (_settings.Scope == PruneScope.Global)
            foreach (var (root, _) in _globalOrder.Take((int)Math.Floor(ratio * _globalOrder.Length)))
                removedGlobally[root] = removedGlobally.GetValueOrDefault(root) + 1;

        foreach (int root in _prunable)
        {
            int count = _groups.Count(root);
            double raw = _groups.RatioCap(root) is double fixedRatio ? count * (1 - fixedRatio)
                : _settings.Scope == PruneScope.Global ? count - removedGlobally.GetValueOrDefault(root)
                : count * (1 - ratio);
            keep[root] = Round(raw, count, _settings.RoundTo);
        }
        return keep;
    }

    public Dictionary<int, bool[]> Masks(Dictionary<int, int> keepCounts) =>
        keepCounts.ToDictionary(kv => kv.Key, kv => ChannelImportance.TopChannels(_importance[kv.Key], kv.Value));

    public static int Round(double raw, int count, int roundTo)
    {
        if (count <= roundTo) return count;
        int keep = (int)Math.Round(raw / roundTo, MidpointRounding.AwayFromZero) * roundTo;
        return Math.Clamp(keep, roundTo, count);
    }
}
