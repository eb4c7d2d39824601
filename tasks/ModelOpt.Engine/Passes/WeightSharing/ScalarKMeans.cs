namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>
/// k-means on scalars. In one dimension every cluster is a run of the sorted values, so after one
/// sort a Lloyd step is k binary searches (the boundaries are the midpoints between centroids)
/// and k prefix-sum differences (the new means): O(k log n) per iteration instead of O(n k).
/// k-means++ seeding runs on an equal-count summary of the sorted values (at most 2,048 weighted
/// points), which keeps it cheap on million-element tensors and deterministic for a given seed.
/// </summary>
public static class ScalarKMeans
{
    public const int DefaultMaxIterations = 300;
    private const int SeedingPoints = 2048;

    /// <summary>At most <paramref name="k"/> centroids, ascending; fewer when the values have fewer distinct entries.</summary>
    public static float[] Fit(ReadOnlySpan<float> values, int k, int seed = 0, int maxIterations = DefaultMaxIterations) =>
        Fit(values, k, seed, maxIterations, out _);

    public static float[] Fit(ReadOnlySpan<float> values, int k, int seed, int maxIterations, out int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        iterations = 0;
        if (values.IsEmpty) return [];
        var sorted = values.ToArray();
        Array.Sort(sorted);
        if (float.IsNaN(sorted[^1]) || float.IsInfinity(sorted[0]) || float.IsInfinity(sorted[^1]))
            throw new ArgumentException("k-means needs finite values.", nameof(values));

        var distinct = Distinct(sorted);
        if (distinct.Length <= k) return distinct;

        var prefix = new double[sorted.Length + 1];
        for (int i = 0; i < sorted.Length; i++) prefix[i + 1] = prefix[i] + sorted[i];

        double[] centroids = Seed(sorted, prefix, k, seed);
        var bounds = new int[centroids.Length + 1];
        var previous = new int[centroids.Length + 1];
        for (iterations = 1; iterations <= maxIterations; iterations++)
        {
            bounds[0] = 0;
            bounds[^1] = sorted.Length;
            for (int j = 1; j < centroids.Length; j++)
                bounds[j] = UpperBound(sorted, (centroids[j - 1] + centroids[j]) / 2);
            if (iterations > 1 && bounds.AsSpan().SequenceEqual(previous)) break;
            for (int j = 0; j < centroids.Length; j++)
            {
                int count = bounds[j + 1] - bounds[j];
                if (count > 0) centroids[j] = (prefix[bounds[j + 1]] - prefix[bounds[j]]) / count;
            }
            Array.Copy(bounds, previous, bounds.Length);
        }
        return centroids.Select(c => (float)c).Distinct().Order().ToArray();
    }

    /// <summary>The index of the nearest centroid of each value (<paramref name="centroids"/> ascending).</summary>
    public static byte[] Assign(ReadOnlySpan<float> values, float[] centroids)
    {
        if (centroids.Length is 0 or > 256) throw new ArgumentException("1 to 256 centroids are needed.", nameof(centroids));
        var midpoints = new float[centroids.Length - 1];
        for (int j = 0; j < midpoints.Length; j++) midpoints[j] = (float)(((double)centroids[j] + centroids[j + 1]) / 2);
        var indices = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            // Count of midpoints strictly below the value = index of the nearest centroid.
            int lo = 0, hi = midpoints.Length;
            float v = values[i];
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (midpoints[mid] < v) lo = mid + 1;
                else hi = mid;
            }
            indices[i] = (byte)lo;
        }
        return indices;
    }

    private static float[] Distinct(float[] sorted)
    {
        var result = new List<float>();
        foreach (var v in sorted)
            if (result.Count == 0 || result[^1] != v) result.Add(v);
        return result.ToArray();
    }

    private static int UpperBound(float[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] <= value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // k-means++ (D² sampling) over equal-count chunks of the sorted values, each weighted by its size.
    private static double[] Seed(float[] sorted, double[] prefix, int k, int seed)
    {
        int chunks = Math.Min(SeedingPoints, sorted.Length);
        var points = new double[chunks];
        var weights = new double[chunks];
        for (int c = 0; c < chunks; c++)
        {
            int start = (int)((long)sorted.Length * c / chunks), end = (int)((long)sorted.Length * (c + 1) / chunks);
            points[c] = (prefix[end] - prefix[start]) / (end - start);
            weights[c] = end - start;
        }
        var random = new Random(seed);
        var centers = new List<double> { points[Sample(weights, sorted.Length, random)] };
        var distance = new double[chunks];
        for (int c = 0; c < chunks; c++) distance[c] = Square(points[c] - centers[0]);
        var score = new double[chunks];
        while (centers.Count < k)
        {
            double total = 0;
            for (int c = 0; c < chunks; c++) total += score[c] = weights[c] * distance[c];
            if (total == 0) break;
            double next = points[Sample(score, total, random)];
            centers.Add(next);
            for (int c = 0; c < chunks; c++) distance[c] = Math.Min(distance[c], Square(points[c] - next));
        }
        return centers.Distinct().Order().ToArray();
    }

    private static int Sample(double[] weights, double total, Random random)
    {
        double target = random.NextDouble() * total, running = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            running += weights[i];
            if (running > target && weights[i] > 0) return i;
        }
        return Array.FindLastIndex(weights, w => w > 0);
    }

    private static double Square(double x) => x * x;
}
