using System.Numerics.Tensors;
using static ModelOpt.SeedTrainer.LayerMath;
using static ModelOpt.SeedTrainer.LeNet5Shape;

namespace ModelOpt.SeedTrainer;

/// <summary>Forward and backward passes of LeNet-5 for one sample at a time (im2col convolutions, see <see cref="LayerMath"/>).</summary>
internal sealed class LeNet5Workspace : IDigitWorkspace<LeNet5Parameters>
{
    private readonly float[] _col1 = new float[Conv1Taps * Conv1Pixels];     // [25, 784]
    private readonly float[] _a1 = new float[Conv1Channels * Conv1Pixels];   // [6, 28×28] after ReLU
    private readonly float[] _p1 = new float[Conv1Channels * Pool1Side * Pool1Side]; // [6, 14×14]
    private readonly int[] _arg1 = new int[Conv1Channels * Pool1Side * Pool1Side];
    private readonly float[] _col2 = new float[Conv2Taps * Conv2Pixels];     // [150, 100]
    private readonly float[] _a2 = new float[Conv2Channels * Conv2Pixels];   // [16, 10×10] after ReLU
    private readonly float[] _p2 = new float[Flattened];                     // [16, 5×5]
    private readonly int[] _arg2 = new int[Flattened];
    private readonly float[] _h1 = new float[Hidden1];
    private readonly float[] _h2 = new float[Hidden2];
    private readonly float[] _logits = new float[Classes];
    private readonly float[] _probabilities = new float[Classes];

    private readonly float[] _dLogits = new float[Classes];
    private readonly float[] _dH2 = new float[Hidden2];
    private readonly float[] _dH1 = new float[Hidden1];
    private readonly float[] _dP2 = new float[Flattened];
    private readonly float[] _dA2 = new float[Conv2Channels * Conv2Pixels];
    private readonly float[] _dCol2 = new float[Conv2Taps * Conv2Pixels];
    private readonly float[] _dP1 = new float[Conv1Channels * Pool1Side * Pool1Side];
    private readonly float[] _dA1 = new float[Conv1Channels * Conv1Pixels];

    public LeNet5Parameters Gradients { get; } = new();

    public double Loss { get; set; }

    public ReadOnlySpan<float> Logits => _logits;

    public void Forward(LeNet5Parameters p, ReadOnlySpan<float> image)
    {
        Im2Col(image, 1, InputSide, Kernel, Conv1Pad, _col1);
        ConvolveRelu(p.Conv1Weight, p.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _a1);
        MaxPool2(_a1, Conv1Channels, Conv1Side, _p1, _arg1);
        Im2Col(_p1, Conv1Channels, Pool1Side, Kernel, 0, _col2);
        ConvolveRelu(p.Conv2Weight, p.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _a2);
        MaxPool2(_a2, Conv2Channels, Conv2Side, _p2, _arg2);
        Dense(p.Fc1Weight, p.Fc1Bias, _p2, _h1);
        TensorPrimitives.Max(_h1, 0f, _h1);
        Dense(p.Fc2Weight, p.Fc2Bias, _h1, _h2);
        TensorPrimitives.Max(_h2, 0f, _h2);
        Dense(p.Fc3Weight, p.Fc3Bias, _h2, _logits);
    }

    public void Accumulate(LeNet5Parameters p, ReadOnlySpan<float> image, int label)
    {
        Forward(p, image);
        var g = Gradients;

        Loss += SoftmaxCrossEntropy(_logits, label, _probabilities, _dLogits);

        DenseBackward(p.Fc3Weight, g.Fc3Weight, g.Fc3Bias, _h2, _dLogits, _dH2);
        ReluBackward(_h2, _dH2);
        DenseBackward(p.Fc2Weight, g.Fc2Weight, g.Fc2Bias, _h1, _dH2, _dH1);
        ReluBackward(_h1, _dH1);
        DenseBackward(p.Fc1Weight, g.Fc1Weight, g.Fc1Bias, _p2, _dH1, _dP2);

        // Pooling passes each gradient to its window's winner, whose ReLU was on unless the window was all zero.
        MaxPool2Backward(_dP2, _arg2, _dA2);
        ReluBackward(_a2, _dA2);
        ConvolveBackward(g.Conv2Weight, g.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _dA2);
        ConvolveInputGradient(p.Conv2Weight, Conv2Channels, Conv2Taps, Conv2Pixels, _dA2, _dCol2);
        Array.Clear(_dP1);
        Col2ImAdd(_dCol2, Conv1Channels, Pool1Side, Kernel, 0, _dP1);

        MaxPool2Backward(_dP1, _arg1, _dA1);
        ReluBackward(_a1, _dA1);
        // conv1: the input needs no gradient.
        ConvolveBackward(g.Conv1Weight, g.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _dA1);
    }
}
