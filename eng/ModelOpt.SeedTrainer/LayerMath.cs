using System.Numerics.Tensors;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// The layer kernels the hand-written networks share: im2col convolution, dense layers, ReLU and
/// 2×2 max pooling, forward and backward. Every reduction runs in a fixed order (TensorPrimitives
/// over whole rows), so a result does not depend on threads.
/// </summary>
internal static class LayerMath
{
    /// <summary>
    /// Lays out the k×k windows of <paramref name="input"/> ([channels, side, side]) as rows of
    /// <paramref name="col"/> ([channels·k·k, outSide²]), zeros where a window reaches into the
    /// <paramref name="pad"/> border; stride 1.
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> input, int channels, int side, int kernel, int pad, Span<float> col)
    {
        int outSide = side + 2 * pad - kernel + 1, pixels = outSide * outSide;
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    var row = col.Slice(((c * kernel + ky) * kernel + kx) * pixels, pixels);
                    row.Clear();
                    var channel = input.Slice(c * side * side, side * side);
                    // Output x reads input x + kx - pad; only the part inside the image is copied.
                    int x0 = Math.Max(0, pad - kx), x1 = Math.Min(outSide, side + pad - kx);
                    if (x1 <= x0) continue;
                    for (int y = 0; y < outSide; y++)
                    {
                        int sy = y + ky - pad;
                        if (sy < 0 || sy >= side) continue;
                        channel.Slice(sy * side + x0 + kx - pad, x1 - x0).CopyTo(row.Slice(y * outSide + x0, x1 - x0));
                    }
                }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds each row of <paramref name="dCol"/> back onto the input pixels it was read from.</summary>
    public static void Col2ImAdd(ReadOnlySpan<float> dCol, int channels, int side, int kernel, int pad, Span<float> dInput)
    {
        int outSide = side + 2 * pad - kernel + 1, pixels = outSide * outSide;
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    var row = dCol.Slice(((c * kernel + ky) * kernel + kx) * pixels, pixels);
                    var channel = dInput.Slice(c * side * side, side * side);
                    int x0 = Math.Max(0, pad - kx), x1 = Math.Min(outSide, side + pad - kx);
                    if (x1 <= x0) continue;
                    for (int y = 0; y < outSide; y++)
                    {
                        int sy = y + ky - pad;
                        if (sy < 0 || sy >= side) continue;
                        var target = channel.Slice(sy * side + x0 + kx - pad, x1 - x0);
                        TensorPrimitives.Add(target, row.Slice(y * outSide + x0, x1 - x0), target);
                    }
                }
    }

    /// <summary>output[o, :] = ReLU(bias[o] + Σ_k weight[o, k] · col[k, :]).</summary>
    public static void ConvolveRelu(float[] weight, float[] bias, ReadOnlySpan<float> col, int taps, int pixels, Span<float> output)
    {
        int channels = bias.Length;
        for (int o = 0; o < channels; o++)
        {
            var dst = output.Slice(o * pixels, pixels);
            dst.Fill(bias[o]);
            for (int k = 0; k < taps; k++)
                AddScaled(dst, col.Slice(k * pixels, pixels), weight[o * taps + k]);
            TensorPrimitives.Max(dst, 0f, dst);
        }
    }

    /// <summary>Adds the weight and bias gradients of a convolution given its im2col rows and its output gradient.</summary>
    public static void ConvolveBackward(float[] weightGrad, float[] biasGrad, ReadOnlySpan<float> col, int taps, int pixels, ReadOnlySpan<float> dOutput)
    {
        int channels = biasGrad.Length;
        for (int o = 0; o < channels; o++)
        {
            var d = dOutput.Slice(o * pixels, pixels);
            biasGrad[o] += TensorPrimitives.Sum(d);
            for (int k = 0; k < taps; k++)
                weightGrad[o * taps + k] += TensorPrimitives.Dot(d, col.Slice(k * pixels, pixels));
        }
    }

    /// <summary>dCol[k, :] = Σ_o weight[o, k] · dOutput[o, :]: the gradient a convolution passes to its im2col rows.</summary>
    public static void ConvolveInputGradient(float[] weight, int channels, int taps, int pixels, ReadOnlySpan<float> dOutput, Span<float> dCol)
    {
        dCol.Slice(0, taps * pixels).Clear();
        for (int k = 0; k < taps; k++)
        {
            var row = dCol.Slice(k * pixels, pixels);
            for (int o = 0; o < channels; o++)
                AddScaled(row, dOutput.Slice(o * pixels, pixels), weight[o * taps + k]);
        }
    }

    /// <summary>output = weight · input + bias, weight stored [out, in].</summary>
    public static void Dense(float[] weight, float[] bias, ReadOnlySpan<float> input, Span<float> output)
    {
        int n = input.Length;
        for (int j = 0; j < output.Length; j++)
            output[j] = bias[j] + TensorPrimitives.Dot(weight.AsSpan(j * n, n), input);
    }

    /// <summary>
    /// Adds a dense layer's weight and bias gradients and writes the gradient of its input; rows
    /// whose output gradient is zero (a ReLU that was off) are skipped, which is most of the saving.
    /// </summary>
    public static void DenseBackward(float[] weight, float[] weightGrad, float[] biasGrad, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        int n = input.Length;
        dInput.Clear();
        for (int j = 0; j < dOutput.Length; j++)
        {
            float d = dOutput[j];
            if (d == 0f) continue;
            biasGrad[j] += d;
            AddScaled(weightGrad.AsSpan(j * n, n), input, d);
            AddScaled(dInput, weight.AsSpan(j * n, n), d);
        }
    }

    /// <summary>2×2 max pooling, stride 2, per channel; <paramref name="argmax"/> keeps each window's winner for the backward pass.</summary>
    public static void MaxPool2(ReadOnlySpan<float> input, int channels, int side, Span<float> output, Span<int> argmax)
    {
        int half = side / 2;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < half; y++)
                for (int x = 0; x < half; x++)
                {
                    int origin = c * side * side + 2 * y * side + 2 * x, best = origin;
                    foreach (int offset in (ReadOnlySpan<int>)[1, side, side + 1])
                        if (input[origin + offset] > input[best]) best = origin + offset;
                    int o = (c * half + y) * half + x;
                    output[o] = input[best];
                    argmax[o] = best;
                }
    }

    /// <summary>Routes each pooled gradient to the input position that won its window.</summary>
    public static void MaxPool2Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
    {
        dInput.Clear();
        for (int o = 0; o < dOutput.Length; o++) dInput[argmax[o]] += dOutput[o];
    }

    /// <summary>target += source · scale.</summary>
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float scale) =>
        TensorPrimitives.MultiplyAdd(source, scale, target, target);

    /// <summary>Zeroes the gradient where the ReLU output was zero.</summary>
    /// <summary>Softmax cross-entropy of <paramref name="logits"/> against <paramref name="label"/>: returns the loss and writes dL/dlogits = softmax − onehot.</summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int label, Span<float> probabilities, Span<float> gradient)
    {
        TensorPrimitives.SoftMax(logits, probabilities);
        double loss = -Math.Log(Math.Max(probabilities[label], 1e-30f));
        probabilities.CopyTo(gradient);
        gradient[label] -= 1f;
        return loss;
    }

    public static void ReluBackward(ReadOnlySpan<float> activation, Span<float> gradient)
    {
        for (int i = 0; i < gradient.Length; i++)
            if (activation[i] <= 0f) gradient[i] = 0f;
    }
}
