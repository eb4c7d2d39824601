using MathNet.Numerics.LinearAlgebra;

namespace ModelOpt.Engine.Passes.Separable;

/// <summary>
/// The low-rank split of a standard conv's weights W[Cout, Cin, Kh, Kw]: for each input channel c
/// the Cout×(Kh·Kw) slice is factorized by SVD, M_c = Σ σ_i u_i v_iᵀ. Keeping r terms gives a
/// depthwise conv with channel multiplier r (kernels √σ_i·v_i) followed by a 1×1 conv (weights
/// √σ_i·u_i). At full rank the product is exact.
/// </summary>
internal sealed class ConvFactorization
{
    private readonly (double[] Sigma, Matrix<double> U, Matrix<double> Vt)[] _perChannel;

    private ConvFactorization(int cout, int cin, int kh, int kw, (double[], Matrix<double>, Matrix<double>)[] perChannel)
    {
        Cout = cout;
        Cin = cin;
        Kh = kh;
        Kw = kw;
        _perChannel = perChannel;
    }

    public int Cout { get; }
    public int Cin { get; }
    public int Kh { get; }
    public int Kw { get; }

    /// <summary>The largest useful rank: min(Cout, Kh·Kw).</summary>
    public int MaxRank => Math.Min(Cout, Kh * Kw);

    public static ConvFactorization Compute(ReadOnlySpan<float> weights, int cout, int cin, int kh, int kw)
    {
        int k = kh * kw;
        var result = new (double[], Matrix<double>, Matrix<double>)[cin];
        for (int c = 0; c < cin; c++)
        {
            var m = Matrix<double>.Build.Dense(cout, k);
            for (int o = 0; o < cout; o++)
                for (int j = 0; j < k; j++)
                    m[o, j] = weights[(o * cin + c) * k + j];
            var svd = m.Svd(computeVectors: true);
            result[c] = (svd.S.ToArray(), svd.U, svd.VT);
        }
        return new ConvFactorization(cout, cin, kh, kw, result);
    }

    /// <summary>Fraction of the squared singular values, over all input channels, kept by rank <paramref name="rank"/>.</summary>
    public double RetainedEnergy(int rank)
    {
        double kept = 0, total = 0;
        foreach (var (sigma, _, _) in _perChannel)
            for (int i = 0; i < sigma.Length; i++)
            {
                double e = sigma[i] * sigma[i];
                total += e;
                if (i < rank) kept += e;
            }
        return total == 0 ? 1 : kept / total;
    }

    /// <summary>The smallest rank that keeps at least <paramref name="energy"/>.</summary>
    public int RankFor(double energy)
    {
        for (int r = 1; r < MaxRank; r++)
            if (RetainedEnergy(r) >= energy) return r;
        return MaxRank;
    }

    /// <summary>Depthwise kernels [Cin·r, 1, Kh, Kw] and pointwise weights [Cout, Cin·r, 1, 1] at rank r.</summary>
    public (float[] Depthwise, float[] Pointwise) Factors(int rank)
    {
        int k = Kh * Kw;
        var depthwise = new float[Cin * rank * k];
        var pointwise = new float[Cout * Cin * rank];
        for (int c = 0; c < Cin; c++)
        {
            var (sigma, u, vt) = _perChannel[c];
            for (int i = 0; i < rank; i++)
            {
                double s = i < sigma.Length ? Math.Sqrt(sigma[i]) : 0;
                int channel = c * rank + i;
                for (int j = 0; j < k; j++) depthwise[channel * k + j] = i < vt.RowCount ? (float)(s * vt[i, j]) : 0f;
                for (int o = 0; o < Cout; o++) pointwise[o * Cin * rank + channel] = i < u.ColumnCount ? (float)(s * u[o, i]) : 0f;
            }
        }
        return (depthwise, pointwise);
    }

    /// <summary>MACs per output pixel: Cin·Cout·k² for the original, r·Cin·(k² + Cout) for the factorized pair.</summary>
    public long OriginalMacsPerPixel => (long)Cin * Cout * Kh * Kw;

    public long FactorizedMacsPerPixel(int rank) => (long)rank * Cin * (Kh * Kw + Cout);
}
