namespace ModelOpt.SeedTrainer;

/// <summary>
/// A network's weights and biases as flat arrays in ONNX layout. The same class holds gradients
/// and optimizer moments, so the optimizer and the shard reduction only see <see cref="All"/>.
/// </summary>
internal abstract class ParameterSet
{
    /// <summary>Every array, in a fixed order, for the optimizer and for reductions.</summary>
    public abstract float[][] All { get; }

    public long Count => All.Sum(a => (long)a.Length);

    public void Clear()
    {
        foreach (var a in All) Array.Clear(a);
    }

    // Box–Muller on System.Random, whose seeded sequence is fixed across .NET versions.
    protected static void FillNormal(float[] values, float std, Random rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
    }
}
