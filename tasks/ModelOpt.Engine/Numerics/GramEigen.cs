using MathNet.Numerics.LinearAlgebra;

namespace ModelOpt.Engine.Numerics;

/// <summary>
/// The singular values and one side's singular vectors of a matrix M, from the eigen-decomposition
/// of the Gram matrix of its smaller side (MᵀM when M has no more columns than rows, else MMᵀ). For
/// a 2880×128 layer that is a 128×128 eigenproblem instead of a 2880×2880 basis, and for a 512×9
/// conv slice a 9×9 one; the other side's vectors follow as M·v/σ (or Mᵀ·u/σ) when a caller needs them.
/// </summary>
/// <param name="OfColumns">True: <paramref name="Basis"/> holds right singular vectors (M's column side).</param>
/// <param name="Energy">Squared singular values, strongest first, never negative.</param>
/// <param name="Basis">Columns: the singular vectors of the smaller side, in the order of <paramref name="Energy"/>.</param>
internal sealed record GramEigen(bool OfColumns, double[] Energy, Matrix<double> Basis)
{
    public static GramEigen Of(Matrix<double> m)
    {
        bool ofColumns = m.ColumnCount <= m.RowCount;
        var gram = ofColumns ? m.TransposeThisAndMultiply(m) : m.TransposeAndMultiply(m);
        var evd = gram.Evd(Symmetricity.Symmetric);
        // Evd sorts eigenvalues ascending; the strongest directions come last.
        int size = gram.RowCount;
        var order = Enumerable.Range(0, size).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var basis = Matrix<double>.Build.Dense(size, size, (i, j) => evd.EigenVectors[i, order[j]]);
        var energy = order.Select(i => Math.Max(0, evd.EigenValues[i].Real)).ToArray();
        return new GramEigen(ofColumns, energy, basis);
    }
}
