using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Passes.LowRank;

/// <summary>
/// Truncated SVD of a weight matrix W[K, N] as two factors, W ≈ A[K, r]·B[r, N], from the singular
/// vectors of W's smaller side (<see cref="GramEigen"/>).
/// </summary>
internal sealed class MatrixFactorization
{
    private readonly Matrix<double> _w;
    private readonly Matrix<double> _basis; // columns: singular vectors of the smaller side, strongest first
    private readonly double[] _energy;      // squared singular values, strongest first
    private readonly bool _rightSide;       // true: basis spans the N (output) side

    private MatrixFactorization(Matrix<double> w, Matrix<double> basis, double[] energy, bool rightSide)
    {
        _w = w;
        _basis = basis;
        _energy = energy;
        _rightSide = rightSide;
    }

    public int Rows => _w.RowCount;

    public int Columns => _w.ColumnCount;

    public int MaxRank => _energy.Length;

    /// <summary>W given row-major as [K, N].</summary>
    public static MatrixFactorization Compute(float[] weights, int k, int n)
    {
        var w = Matrix<double>.Build.Dense(k, n, (i, j) => weights[i * n + j]);
        var svd = GramEigen.Of(w);
        return new MatrixFactorization(w, svd.Basis, svd.Energy, svd.OfColumns);
    }

    /// <summary>Fraction of the squared singular values kept at rank <paramref name="rank"/>.</summary>
    public double RetainedEnergy(int rank)
    {
        double total = _energy.Sum();
        return total == 0 ? 1 : _energy.Take(rank).Sum() / total;
    }

    /// <summary>The smallest rank that keeps at least <paramref name="energy"/>.</summary>
    public int RankFor(double energy)
    {
        for (int r = 1; r < MaxRank; r++)
            if (RetainedEnergy(r) >= energy) return r;
        return MaxRank;
    }

    /// <summary>A[K, r] and B[r, N], row-major, whose product is the best rank-r approximation of W.</summary>
    public (float[] First, float[] Second) Factors(int rank)
    {
        var v = _basis.SubMatrix(0, _basis.RowCount, 0, rank);
        // Right side: W ≈ (W·V)·Vᵀ. Left side: W ≈ U·(Uᵀ·W).
        var first = _rightSide ? _w * v : v;
        var second = _rightSide ? v.Transpose() : v.TransposeThisAndMultiply(_w);
        return (ToRowMajor(first), ToRowMajor(second));
    }

    private static float[] ToRowMajor(Matrix<double> m)
    {
        var result = new float[m.RowCount * m.ColumnCount];
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 0; j < m.ColumnCount; j++) result[i * m.ColumnCount + j] = (float)m[i, j];
        return result;
    }
}
