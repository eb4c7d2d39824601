namespace ModelOpt.SeedTrainer;

/// <summary>
/// The seed network's weights and biases in ONNX layout (Conv weights [out, in, kH, kW], Gemm
/// weights [out, in] for transB=1).
/// </summary>
internal sealed class SeedCnnParameters : ParameterSet
{
    public readonly float[] Conv1Weight = new float[SeedCnnShape.Conv1Channels * SeedCnnShape.Conv1Taps];
    public readonly float[] Conv1Bias = new float[SeedCnnShape.Conv1Channels];
    public readonly float[] Conv2Weight = new float[SeedCnnShape.Conv2Channels * SeedCnnShape.Conv2Taps];
    public readonly float[] Conv2Bias = new float[SeedCnnShape.Conv2Channels];
    public readonly float[] Fc1Weight = new float[SeedCnnShape.Hidden * SeedCnnShape.Flattened];
    public readonly float[] Fc1Bias = new float[SeedCnnShape.Hidden];
    public readonly float[] Fc2Weight = new float[SeedCnnShape.Classes * SeedCnnShape.Hidden];
    public readonly float[] Fc2Bias = new float[SeedCnnShape.Classes];

    public override float[][] All => [Conv1Weight, Conv1Bias, Conv2Weight, Conv2Bias, Fc1Weight, Fc1Bias, Fc2Weight, Fc2Bias];

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
}
