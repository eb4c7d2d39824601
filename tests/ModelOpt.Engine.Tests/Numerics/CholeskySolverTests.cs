using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The Cholesky solve refit's normal equations go through.</summary>
[TestClass]
public sealed class CholeskySolverTests
{
    [TestMethod]
    public void SolvesASymmetricPositiveDefiniteSystemAsMathNetDoes()
    {
        var random = new Random(5);
        int n = 37, columns = 5;
        var x = Matrix<double>.Build.Dense(60, n, (_, _) => random.NextDouble() - 0.5);
        var a = x.TransposeThisAndMultiply(x) + Matrix<double>.Build.DenseIdentity(n) * 1e-3;
        var b = Matrix<double>.Build.Dense(n, columns, (_, _) => random.NextDouble());
        var expected = a.Cholesky().Solve(b);

        // Only the lower triangle is read: the upper one holds garbage.
        var solution = CholeskySolver.Solve(n, (i, j) => j <= i ? a[i, j] : double.NaN, RowMajor(b), columns)!;

        Assert.IsNotNull(solution);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < columns; j++) Assert.AreEqual(expected[i, j], solution[i * columns + j], 1e-9 * (1 + Math.Abs(expected[i, j])));
    }

    [TestMethod]
    public void ASingularOrIndefiniteSystemHasNoSolution()
    {
        Assert.IsNull(CholeskySolver.Solve(2, (_, _) => 0, [1, 1], 1));
        // [[1, 2], [2, 1]] has eigenvalues 3 and −1.
        Assert.IsNull(CholeskySolver.Solve(2, (i, j) => i == j ? 1 : 2, [1, 1], 1));
    }

    private static double[] RowMajor(Matrix<double> m)
    {
        var result = new double[m.RowCount * m.ColumnCount];
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 0; j < m.ColumnCount; j++) result[i * m.ColumnCount + j] = m[i, j];
        return result;
    }
}
