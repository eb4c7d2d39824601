namespace ModelOpt.SeedTrainer;

/// <summary>
/// The network's weights and biases as flat arrays in ONNX layout (Conv weights [out, in, kH, kW],
/// Gemm weights [out, in] for transB=1). The same class holds gradients and optimizer moments.
/// </summary>
internal sealed class SeedCnnParameters
{
    public readonly float[] Conv1Weight = new float[SeedCnnShape.Conv1Channels * SeedCnnShape.Conv1Taps];
    public readonly float[] Conv1Bias = new float[SeedCnnShape.Conv1Channels];
    public readonly float[] Conv2Weight = new float[SeedCnnShape.Conv2Channels * SeedCnnShape.Conv2Taps];
    public readonly float[] Conv2Bias = new float[SeedCnnShape.Conv2Channels];
    public readonly float[] Fc1Weight = new float[SeedCnnShape.Hidden * SeedCnnShape.Flattened];
    public readonly float[] Fc1Bias = new float[SeedCnnShape.Hidden];
    public readonly float[] Fc2Weight = new float[SeedCnnShape.Classes * SeedCnnShape.Hidden];
    public readonly float[] Fc2Bias = new float[SeedCnnShape.Classes];

    /// <summary>Every array, in a fixed order, for the optimizer and for reductions.</summary>
    public float[][] All => [Conv1Weight, Conv1Bias, Conv2Weight, Conv2Bias, Fc1Weight, Fc1Bias, Fc2Weight, Fc2Bias];

    public long Count => All.Sum(a => (long)a.Length);

    /// <summary>He-normal weights (suited to ReLU), zero biases, drawn from <paramref name="rng"/> in a fixed order.</summary>
    public static SeedCnnParameters Initialize(Random rng)
    {
        var p = new SeedCnnParameters();
        FillNormal(p.Conv1Weight, MathF.Sqrt(2f / SeedCnnShape.Conv1Taps), rng);
        FillNormal(p.Conv2Weight, MathF.Sqrt(2f / SeedCnnShape.Conv2Taps), rng);
        FillNormal(p.Fc1Weight, MathF.Sqrt(2f / SeedCnnShape.Flattened), rng);
        FillNormal(p.Fc2Weight, MathF.Sqrt(1f / SeedCnnShape.Hidden), rng);
        return p;
    }

    public void Clear()
    {
        foreach (var a in All) Array.Clear(a);
    }

    // Box–Muller on System.Random, whose seeded sequence is fixed across .NET versions.
    private static void FillNormal(float[] values, float std, Random rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
    }
}
