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

    [TestMethod]
    public void TheSameBitsAsAScalarSolveInTheDocumentedOrder()
    {
        // What every CPU computes: each dot product as eight running sums (element k in sum k mod 8)
        // combined as ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7)), then the tail. A dot product
        // that followed the machine's vector width would fail this on some CPU.
        var random = new Random(9);
        int n = 45, columns = 3;
        var x = Matrix<double>.Build.Dense(80, n, (_, _) => random.NextDouble() < 0.4 ? 0 : random.NextDouble());
        var a = x.TransposeThisAndMultiply(x) + Matrix<double>.Build.DenseIdentity(n) * 1e-2;
        var b = Enumerable.Range(0, n * columns).Select(_ => random.NextDouble()).ToArray();

        var solution = CholeskySolver.Solve(n, (i, j) => a[i, j], b, columns)!;

        var l = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j] - ScalarDot(l, i * n, j * n, j);
                l[i * n + j] = i == j ? Math.Sqrt(sum) : sum / l[j * n + j];
            }
        var expected = (double[])b.Clone();
        for (int i = 0; i < n; i++)
            for (int c = 0; c < columns; c++)
            {
                for (int j = 0; j < i; j++) expected[i * columns + c] = expected[j * columns + c] * -l[i * n + j] + expected[i * columns + c];
                expected[i * columns + c] /= l[i * n + i];
            }
        for (int i = n - 1; i >= 0; i--)
            for (int c = 0; c < columns; c++)
            {
                for (int j = i + 1; j < n; j++) expected[i * columns + c] = expected[j * columns + c] * -l[j * n + i] + expected[i * columns + c];
                expected[i * columns + c] /= l[i * n + i];
            }
        CollectionAssert.AreEqual(expected, solution);
    }

    private static double ScalarDot(double[] l, int a, int b, int length)
    {
        var s = new double[8];
        int k = 0;
        for (; k <= length - 8; k += 8)
            for (int lane = 0; lane < 8; lane++) s[lane] += l[a + k + lane] * l[b + k + lane];
        double sum = ((s[0] + s[2]) + (s[4] + s[6])) + ((s[1] + s[3]) + (s[5] + s[7]));
        for (; k < length; k++) sum += l[a + k] * l[b + k];
        return sum;
    }

    private static double[] RowMajor(Matrix<double> m)
    {
        var result = new double[m.RowCount * m.ColumnCount];
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 0; j < m.ColumnCount; j++) result[i * m.ColumnCount + j] = m[i, j];
        return result;
    }
}
