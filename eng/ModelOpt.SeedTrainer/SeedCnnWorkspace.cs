using System.Numerics.Tensors;
using static ModelOpt.SeedTrainer.SeedCnnShape;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// Forward and backward passes for one sample at a time, with every intermediate buffer owned
/// here so one workspace per worker needs no locking. Convolutions are im2col followed by
/// vectorized row operations (TensorPrimitives), which keeps each result's summation order fixed.
/// </summary>
internal sealed class SeedCnnWorkspace
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
    private readonly float[] _dCol2Row = new float[Conv2Pixels];
    private readonly float[] _dA1 = new float[Conv1Channels * Conv1Pixels];

    /// <summary>Gradients summed over the samples passed to <see cref="Accumulate"/> since the last clear.</summary>
    public SeedCnnParameters Gradients { get; } = new();

    /// <summary>Summed cross-entropy of those samples.</summary>
    public double Loss { get; set; }

    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>Runs the network on one 28×28 image; the result is in <see cref="Logits"/>.</summary>
    public void Forward(SeedCnnParameters p, ReadOnlySpan<float> image)
    {
        // conv1: im2col rows are the 9 taps, each a shifted 26×26 window of the image.
        for (int ky = 0; ky < Kernel; ky++)
            for (int kx = 0; kx < Kernel; kx++)
            {
                var row = _col1.AsSpan((ky * Kernel + kx) * Conv1Pixels, Conv1Pixels);
                for (int y = 0; y < Conv1Side; y++)
                    image.Slice((y + ky) * InputSide + kx, Conv1Side).CopyTo(row.Slice(y * Conv1Side, Conv1Side));
            }
        Convolve(p.Conv1Weight, p.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _a1);

        // conv2: rows are (input channel, ky, kx), each a shifted 24×24 window of a1.
        for (int c = 0; c < Conv1Channels; c++)
            for (int ky = 0; ky < Kernel; ky++)
                for (int kx = 0; kx < Kernel; kx++)
                {
                    var row = _col2.AsSpan(((c * Kernel + ky) * Kernel + kx) * Conv2Pixels, Conv2Pixels);
                    var channel = _a1.AsSpan(c * Conv1Pixels, Conv1Pixels);
                    for (int y = 0; y < Conv2Side; y++)
                        channel.Slice((y + ky) * Conv1Side + kx, Conv2Side).CopyTo(row.Slice(y * Conv2Side, Conv2Side));
                }
        Convolve(p.Conv2Weight, p.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _a2);

        Dense(p.Fc1Weight, p.Fc1Bias, _a2, _h);
        TensorPrimitives.Max(_h, 0f, _h);
        Dense(p.Fc2Weight, p.Fc2Bias, _h, _logits);
    }

    /// <summary>Forward, loss and backward for one labeled image; adds its gradients to <see cref="Gradients"/>.</summary>
    public void Accumulate(SeedCnnParameters p, ReadOnlySpan<float> image, int label)
    {
        Forward(p, image);
        var g = Gradients;

        // Softmax cross-entropy: dL/dlogits = softmax - onehot.
        TensorPrimitives.SoftMax(_logits, _probabilities);
        Loss -= Math.Log(Math.Max(_probabilities[label], 1e-30f));
        _probabilities.CopyTo(_dLogits, 0);
        _dLogits[label] -= 1f;

        // fc2
        Array.Clear(_dH);
        for (int i = 0; i < Classes; i++)
        {
            float d = _dLogits[i];
            g.Fc2Bias[i] += d;
            AddScaled(g.Fc2Weight.AsSpan(i * Hidden, Hidden), _h, d);
            AddScaled(_dH, p.Fc2Weight.AsSpan(i * Hidden, Hidden), d);
        }
        ReluBackward(_h, _dH);

        // fc1: rows whose ReLU was off contribute nothing, and skipping them is most of the saving.
        Array.Clear(_dA2);
        for (int j = 0; j < Hidden; j++)
        {
            float d = _dH[j];
            if (d == 0f) continue;
            g.Fc1Bias[j] += d;
            AddScaled(g.Fc1Weight.AsSpan(j * Flattened, Flattened), _a2, d);
            AddScaled(_dA2, p.Fc1Weight.AsSpan(j * Flattened, Flattened), d);
        }
        ReluBackward(_a2, _dA2);

        // conv2: weight gradients against the im2col rows, then col2im back onto a1.
        ConvolveBackward(g.Conv2Weight, g.Conv2Bias, _col2, Conv2Taps, Conv2Pixels, _dA2);
        Array.Clear(_dA1);
        for (int c = 0; c < Conv1Channels; c++)
            for (int ky = 0; ky < Kernel; ky++)
                for (int kx = 0; kx < Kernel; kx++)
                {
                    int k = (c * Kernel + ky) * Kernel + kx;
                    Array.Clear(_dCol2Row);
                    for (int o = 0; o < Conv2Channels; o++)
                        AddScaled(_dCol2Row, _dA2.AsSpan(o * Conv2Pixels, Conv2Pixels), p.Conv2Weight[o * Conv2Taps + k]);
                    var channel = _dA1.AsSpan(c * Conv1Pixels, Conv1Pixels);
                    for (int y = 0; y < Conv2Side; y++)
                    {
                        var target = channel.Slice((y + ky) * Conv1Side + kx, Conv2Side);
                        TensorPrimitives.Add(target, _dCol2Row.AsSpan(y * Conv2Side, Conv2Side), target);
                    }
                }
        ReluBackward(_a1, _dA1);

        // conv1: the input needs no gradient.
        ConvolveBackward(g.Conv1Weight, g.Conv1Bias, _col1, Conv1Taps, Conv1Pixels, _dA1);
    }

    /// <summary>output[o, :] = ReLU(bias[o] + Σ_k weight[o, k] · col[k, :]).</summary>
    private static void Convolve(float[] weight, float[] bias, float[] col, int taps, int pixels, float[] output)
    {
        int channels = bias.Length;
        for (int o = 0; o < channels; o++)
        {
            var dst = output.AsSpan(o * pixels, pixels);
            dst.Fill(bias[o]);
            for (int k = 0; k < taps; k++)
                AddScaled(dst, col.AsSpan(k * pixels, pixels), weight[o * taps + k]);
            TensorPrimitives.Max(dst, 0f, dst);
        }
    }

    private static void ConvolveBackward(float[] weightGrad, float[] biasGrad, float[] col, int taps, int pixels, float[] dOutput)
    {
        int channels = biasGrad.Length;
        for (int o = 0; o < channels; o++)
        {
            var d = dOutput.AsSpan(o * pixels, pixels);
            biasGrad[o] += TensorPrimitives.Sum(d);
            for (int k = 0; k < taps; k++)
                weightGrad[o * taps + k] += TensorPrimitives.Dot(d, col.AsSpan(k * pixels, pixels));
        }
    }

    /// <summary>output = weight · input + bias, weight stored [out, in].</summary>
    private static void Dense(float[] weight, float[] bias, ReadOnlySpan<float> input, Span<float> output)
    {
        int n = input.Length;
        for (int j = 0; j < output.Length; j++)
            output[j] = bias[j] + TensorPrimitives.Dot(weight.AsSpan(j * n, n), input);
    }

    /// <summary>target += source · scale.</summary>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float scale) =>
        TensorPrimitives.MultiplyAdd(source, scale, target, target);

    /// <summary>Zeroes the gradient where the ReLU output was zero.</summary>
    private static void ReluBackward(ReadOnlySpan<float> activation, Span<float> gradient)
    {
        for (int i = 0; i < gradient.Length; i++)
            if (activation[i] <= 0f) gradient[i] = 0f;
    }
}
