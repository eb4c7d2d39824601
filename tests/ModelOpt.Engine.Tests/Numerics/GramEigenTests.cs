using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The one Gram-matrix SVD: low-rank and separable factorize through it.</summary>
[TestClass]
public sealed class GramEigenTests
{
    [TestMethod]
    [DataRow(7, 3)]
    [DataRow(3, 7)]
    public void EnergyIsTheSquaredSingularValuesStrongestFirstOnTheSmallerSide(int rows, int cols)
    {
        var random = new Random(3);
        var m = Matrix<double>.Build.Dense(rows, cols, (_, _) => random.NextDouble() - 0.5);
        var svd = GramEigen.Of(m);
        var reference = m.Svd(computeVectors: true);

        Assert.AreEqual(cols <= rows, svd.OfColumns);
        int n = Math.Min(rows, cols);
        Assert.AreEqual(n, svd.Energy.Length);
        Assert.AreEqual(n, svd.Basis.ColumnCount);
        for (int i = 0; i < n; i++)
        {
            Assert.AreEqual(reference.S[i] * reference.S[i], svd.Energy[i], 1e-12);
            // The same direction as the reference's singular vector of that side, up to sign.
            var expected = svd.OfColumns ? reference.VT.Row(i) : reference.U.Column(i);
            Assert.AreEqual(1.0, Math.Abs(expected.DotProduct(svd.Basis.Column(i))), 1e-9);
        }
    }

    [TestMethod]
    public void ARankDeficientMatrixHasNoNegativeEnergy()
    {
        // Rank 1: every trailing eigenvalue of the Gram matrix is zero up to rounding, never below it.
        var m = Matrix<double>.Build.Dense(5, 4, (i, j) => (i + 1) * (j + 2));
        var svd = GramEigen.Of(m);
        Assert.IsTrue(svd.Energy.All(e => e >= 0));
        Assert.AreEqual(m.FrobeniusNorm() * m.FrobeniusNorm(), svd.Energy[0], 1e-9);
    }
}
