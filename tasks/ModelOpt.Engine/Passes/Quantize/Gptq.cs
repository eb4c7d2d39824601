using MathNet.Numerics.LinearAlgebra;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// GPTQ (Frantar et al., 2023): quantizes the inputs of a layer one at a time and spreads each
/// rounding error over the not-yet-quantized inputs in proportion to how the calibration
/// activations correlate them (the inverse Hessian H⁻¹, H = XᵀX). Correlated inputs can cancel
/// each other's errors, so the layer's OUTPUT error is lower than rounding each weight alone.
/// </summary>
public static class Gptq
{
    public const double Damping = 0.01;

    /// <param name="weights">[K, N] row-major.</param>
    /// <param name="hessian">XᵀX over the calibration activations, K×K.</param>
    public static Int4Blocks Quantize(ReadOnlySpan<float> weights, int k, int n, Matrix<double> hessian, int blockSize, bool symmetric)
    {
        var h = hessian.Clone();
        // W as [N][K]: each output's weights over the inputs, updated in place as errors are spread.
        var w = new double[n][];
        for (int c = 0; c < n; c++)
        {
            w[c] = new double[k];
            for (int r = 0; r < k; r++) w[c][r] = weights[r * n + c];
        }
        double meanDiagonal = 0;
        for (int i = 0; i < k; i++) meanDiagonal += h[i, i];
        meanDiagonal /= k;
        for (int i = 0; i < k; i++)
        {
            if (h[i, i] == 0)
            {
                // An input that is always zero: its weights do not matter, quantize them to zero.
                h[i, i] = 1;
                for (int c = 0; c < n; c++) w[c][i] = 0;
            }
            h[i, i] += Damping * (meanDiagonal > 0 ? meanDiagonal : 1);
        }
        // Upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU): row i holds the update weights for input i.
        var u = h.Inverse().Cholesky().Factor.Transpose();

        var blocks = new Int4Blocks(k, n, blockSize);
        var scale = new float[n];
        var zero = new byte[n];
        var uRow = new double[k];
        for (int i = 0; i < k; i++)
        {
            int b = i / blockSize;
            if (i % blockSize == 0)
            {
                int count = Math.Min(blockSize, k - i);
                for (int c = 0; c < n; c++)
                {
                    (scale[c], zero[c]) = Int4Blocks.Parameters(w[c].AsSpan(i, count), symmetric);
                    blocks.Scales[c * blocks.BlocksPerColumn + b] = scale[c];
                    blocks.ZeroPoints[c * blocks.BlocksPerColumn + b] = zero[c];
                    for (int p = k; p < (b + 1) * blockSize; p++) blocks.Set(c, p, zero[c]);
                }
            }
            for (int j = i; j < k; j++) uRow[j] = u[i, j];
            double pivot = uRow[i];
            for (int c = 0; c < n; c++)
            {
                var row = w[c];
                byte code = Int4Blocks.Encode(row[i], scale[c], zero[c]);
                blocks.Set(c, i, code);
                double error = (row[i] - Int4Blocks.Decode(code, scale[c], zero[c])) / pivot;
                for (int j = i + 1; j < k; j++) row[j] -= error * uRow[j];
            }
        }
        return blocks;
    }
}
