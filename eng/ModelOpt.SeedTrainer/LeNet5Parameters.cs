using static ModelOpt.SeedTrainer.LeNet5Shape;

namespace ModelOpt.SeedTrainer;

/// <summary>LeNet-5's weights and biases in ONNX layout (Conv [out, in, kH, kW], Gemm [out, in] for transB=1).</summary>
internal sealed class LeNet5Parameters : ParameterSet
{
    public readonly float[] Conv1Weight = new float[Conv1Channels * Conv1Taps];
    public readonly float[] Conv1Bias = new float[Conv1Channels];
    public readonly float[] Conv2Weight = new float[Conv2Channels * Conv2Taps];
    public readonly float[] Conv2Bias = new float[Conv2Channels];
    public readonly float[] Fc1Weight = new float[Hidden1 * Flattened];
    public readonly float[] Fc1Bias = new float[Hidden1];
    public readonly float[] Fc2Weight = new float[Hidden2 * Hidden1];
    public readonly float[] Fc2Bias = new float[Hidden2];
    public readonly float[] Fc3Weight = new float[Classes * Hidden2];
    public readonly float[] Fc3Bias = new float[Classes];

    public override float[][] All => [Conv1Weight, Conv1Bias, Conv2Weight, Conv2Bias, Fc1Weight, Fc1Bias, Fc2Weight, Fc2Bias, Fc3Weight, Fc3Bias];

    /// <summary>He-normal weights (suited to ReLU; the logits layer at variance 1/fan-in), zero biases.</summary>
    public static LeNet5Parameters Initialize(Random rng)
    {
        var p = new LeNet5Parameters();
        FillNormal(p.Conv1Weight, MathF.Sqrt(2f / Conv1Taps), rng);
        FillNormal(p.Conv2Weight, MathF.Sqrt(2f / Conv2Taps), rng);
        FillNormal(p.Fc1Weight, MathF.Sqrt(2f / Flattened), rng);
        FillNormal(p.Fc2Weight, MathF.Sqrt(2f / Hidden1), rng);
        FillNormal(p.Fc3Weight, MathF.Sqrt(1f / Hidden2), rng);
        return p;
    }
}
