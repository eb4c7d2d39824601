using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Passes.Separable;

/// <summary>
/// The low-rank split of a standard conv's weights W[Cout, Cin, Kh, Kw]: for each input channel c
/// the Cout×(Kh·Kw) slice is factorized by SVD, M_c = Σ σ_i u_i v_iᵀ. Keeping r terms gives a
/// depthwise conv with channel multiplier r (kernels √σ_i·v_i) followed by a 1×1 conv (weights
/// √σ_i·u_i). At full rank the product is exact.
/// </summary>
internal sealed class ConvFactorization
{
    // Per input channel: singular values (descending), left vectors u[o, i] and right vectors v[i, j].
    private readonly (double[] Sigma, double[,] U, double[,] Vt)[] _perChannel;

    private ConvFactorization(int cout, int cin, int kh, int kw, (double[], double[,], double[,])[] perChannel)
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
        var result = new (double[], double[,], double[,])[cin];
        var m = new double[cout, k];
        for (int c = 0; c < cin; c++)
        {
            for (int o = 0; o < cout; o++)
                for (int j = 0; j < k; j++)
                    m[o, j] = weights[(o * cin + c) * k + j];
            result[c] = Decompose(m, cout, k);
        }
        return new ConvFactorization(cout, cin, kh, kw, result);
    }

    // The SVD from the smaller side's Gram matrix (GramEigen: for a 512×9 slice a 9×9 problem,
    // which is what makes the pass fast on real networks). The other side's vectors are recovered
    // as Mv/σ (or Mᵀu/σ), so Σ σ·u·vᵀ = M·V·Vᵀ reproduces M exactly at full rank, however small
    // the trailing σ.
    private static (double[] Sigma, double[,] U, double[,] Vt) Decompose(double[,] m, int rows, int cols)
    {
        var svd = GramEigen.Of(Matrix<double>.Build.DenseOfArray(m));
        bool gramOfColumns = svd.OfColumns;
        int n = svd.Energy.Length;
        var sigma = new double[n];
        var u = new double[rows, n];
        var vt = new double[n, cols];
        for (int i = 0; i < n; i++)
        {
            double s = Math.Sqrt(svd.Energy[i]);
            sigma[i] = s;
            if (gramOfColumns)
            {
                for (int j = 0; j < cols; j++) vt[i, j] = svd.Basis[j, i];
                if (s <= 1e-12) continue;
                for (int r = 0; r < rows; r++)
                {
                    double dot = 0;
                    for (int j = 0; j < cols; j++) dot += m[r, j] * vt[i, j];
                    u[r, i] = dot / s;
                }
            }
            else
            {
                for (int r = 0; r < rows; r++) u[r, i] = svd.Basis[r, i];
                if (s <= 1e-12) continue;
                for (int j = 0; j < cols; j++)
                {
                    double dot = 0;
                    for (int r = 0; r < rows; r++) dot += m[r, j] * u[r, i];
                    vt[i, j] = dot / s;
                }
            }
        }
        return (sigma, u, vt);
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
            for (int i = 0; i < rank && i < sigma.Length; i++)
            {
                double s = Math.Sqrt(sigma[i]);
                int channel = c * rank + i;
                for (int j = 0; j < k; j++) depthwise[channel * k + j] = (float)(s * vt[i, j]);
                for (int o = 0; o < Cout; o++) pointwise[o * Cin * rank + channel] = (float)(s * u[o, i]);
            }
        }
        return (depthwise, pointwise);
    }

    /// <summary>MACs per output pixel, as the cost model counts them (<see cref="LinearMacs"/>): Cin·Cout·k² for the original.</summary>
    public long OriginalMacsPerPixel => LinearMacs.Of(1L, [Cout, Cin, Kh, Kw]);

    /// <summary>The factorized pair's MACs per output pixel: the depthwise conv's and the 1×1 conv's weights (<see cref="Factors"/>), r·Cin·(k² + Cout).</summary>
    public long FactorizedMacsPerPixel(int rank) => LinearMacs.Of(1L, [(long)Cin * rank, 1, Kh, Kw]) + LinearMacs.Of(1L, [Cout, (long)Cin * rank, 1, 1]);
}
