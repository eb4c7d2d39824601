namespace ModelOpt.SeedTrainer;

/// <summary>
/// Splits the digits into training and held-out sets, stratified by label so both keep the
/// dataset's class balance, with a fixed seed so the split is the same on every run.
/// </summary>
internal static class DatasetSplit
{
    public static (List<Digit> Train, List<Digit> HeldOut) Stratified(IReadOnlyList<Digit> digits, int heldOutCount, int seed)
    {
        var rng = new Random(seed);
        var byLabel = digits.GroupBy(d => d.Label).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();

        // Largest-remainder apportionment: each label gets its share of the held-out set, and
        // the leftover places go to the labels with the largest fractional parts.
        double fraction = (double)heldOutCount / digits.Count;
        var quotas = byLabel.Select(g => g.Count * fraction).ToArray();
        var counts = quotas.Select(q => (int)Math.Floor(q)).ToArray();
        int missing = heldOutCount - counts.Sum();
        foreach (int label in Enumerable.Range(0, quotas.Length).OrderByDescending(l => quotas[l] - counts[l]).ThenBy(l => l).Take(missing))
            counts[label]++;

        var train = new List<Digit>();
        var heldOut = new List<Digit>();
        for (int label = 0; label < byLabel.Count; label++)
        {
            var group = byLabel[label];
            Shuffle(group, rng);
            heldOut.AddRange(group.Take(counts[label]));
            train.AddRange(group.Skip(counts[label]));
        }
        // Mixed order, so that any prefix of the held-out set (a calibration subset, say) covers every label.
        Shuffle(heldOut, rng);
        Shuffle(train, rng);
        return (train, heldOut);
    }

    public static void Shuffle<T>(IList<T> items, Random rng)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
