using System.Numerics.Tensors;
using static ModelOpt.SeedTrainer.LayerMath;
using static ModelOpt.SeedTrainer.SeedCnnShape;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// Forward and backward passes of the seed CNN for one sample at a time. Convolutions are im2col
/// followed by vectorized row operations (<see cref="LayerMath"/>).
/// </summary>
internal sealed class SeedCnnWorkspace : IDigitWorkspace<SeedCnnParameters>
{
    private readonly float[] _col1 = new float[Conv1Taps * Conv1Pixels];   // [9, 676]
    private readonly float[] _a1 = new float[Conv1Channels * Conv1Pixels]; // [5, 26×26] after ReLU
    private readonly float[] _col2 = new float[Conv2Taps * Conv2Pixels];   // [45, 576]
    private readonly float[] _a2 = new float[Flattened];                   // [5, 24×24] after ReLU
    private readonly float[] _h = new float[Hidden];
    private readonly float[] _logits = new float[Classes];
    private readonly float[] _probabilities = new float[Classes];

    private readonly float[] _dLogits = new float[Classes];
    private readonly float[] _dH = new float[Hidden];
    private readonly float[] _dA2 = new float[Flattened];
    private readonly float[] _dCol2 = new float[Conv2Taps * Conv2Pixels];
    private readonly float[] _dA1 = new float[Conv1Channels * Conv1Pixels];

    public SeedCnnParameters Gradients { get; } = new();

    public double Loss { get; set; }

    public ReadOnlySpan<float> Logits => _logits;

    public void Forward(SeedCnnParameters p, ReadOnlySpan<float> image)
    {
        Im2Col(image, 1, InputSide, Kernel, 0, _col1);
        ConvolveRelu(p.Conv1Weight, p.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _a1);
        Im2Col(_a1, Conv1Channels, Conv1Side, Kernel, 0, _col2);
        ConvolveRelu(p.Conv2Weight, p.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _a2);
        Dense(p.Fc1Weight, p.Fc1Bias, _a2, _h);
        TensorPrimitives.Max(_h, 0f, _h);
        Dense(p.Fc2Weight, p.Fc2Bias, _h, _logits);
    }

    public void Accumulate(SeedCnnParameters p, ReadOnlySpan<float> image, int label)
    {
        Forward(p, image);
        var g = Gradients;

        Loss += SoftmaxCrossEntropy(_logits, label, _probabilities, _dLogits);

        DenseBackward(p.Fc2Weight, g.Fc2Weight, g.Fc2Bias, _h, _dLogits, _dH);
        ReluBackward(_h, _dH);
        DenseBackward(p.Fc1Weight, g.Fc1Weight, g.Fc1Bias, _a2, _dH, _dA2);
        ReluBackward(_a2, _dA2);

        // conv2: weight gradients against the im2col rows, then col2im back onto a1.
        ConvolveBackward(g.Conv2Weight, g.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _dA2);
        ConvolveInputGradient(p.Conv2Weight, Conv2Channels, Conv2Taps, Conv2Pixels, _dA2, _dCol2);
        Array.Clear(_dA1);
        Col2ImAdd(_dCol2, Conv1Channels, Conv1Side, Kernel, 0, _dA1);
        ReluBackward(_a1, _dA1);

        // conv1: the input needs no gradient.
        ConvolveBackward(g.Conv1Weight, g.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _dA1);
    }
}
