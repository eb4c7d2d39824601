using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelOpt.Engine.Numerics;

/// <summary>
/// Solves A·X = B for a symmetric positive definite A by its Cholesky factor (A = L·Lᵀ), row-major
/// with vectorized dot products and row updates, the same bits on every CPU (see <see cref="Dot"/>). Refit's normal equations reach thousands of
/// unknowns (a Gemm reading a flattened feature map); MathNet's managed Cholesky took most of a
/// search trial there, this takes a fraction of it.
/// </summary>
public static class CholeskySolver
{
    /// <summary>
    /// X (n × <paramref name="columns"/>, row-major) for A given by <paramref name="lower"/>(i, j),
    /// read for j ≤ i only, and B row-major; null when A is not positive definite (a pivot ≤ 0 or NaN).
    /// </summary>
    public static double[]? Solve(int n, Func<int, int, double> lower, double[] b, int columns)
    {
        if (b.Length != (long)n * columns) throw new ArgumentException($"B has {b.Length} values, not {n}×{columns}.", nameof(b));
        var l = new double[(long)n * n];
        // Rows in blocks of 8: left of the block each finished row j is read once for all 8 rows
        // (memory, not arithmetic, bounds this loop); the same dot products as row by row, so the
        // same bits, about 3× sooner at 2,881 unknowns.
        const int Block = 8;
        for (int i0 = 0; i0 < n; i0 += Block)
        {
            int i1 = Math.Min(n, i0 + Block);
            for (int j = 0; j < i0; j++)
            {
                var rowJ = l.AsSpan(j * n, j);
                double pivot = l[(long)j * n + j];
                for (int i = i0; i < i1; i++)
                    l[(long)i * n + j] = (lower(i, j) - Dot(l.AsSpan(i * n, j), rowJ)) / pivot;
            }
            for (int i = i0; i < i1; i++)
                for (int j = i0; j <= i; j++)
                {
                    double sum = lower(i, j) - Dot(l.AsSpan(i * n, j), l.AsSpan(j * n, j));
                    if (i == j)
                    {
                        if (!(sum > 0)) return null;
                        l[(long)i * n + i] = Math.Sqrt(sum);
                    }
                    else l[(long)i * n + j] = sum / l[(long)j * n + j];
                }
        }

        // L·Y = B, then Lᵀ·X = Y, a row of B at a time.
        var x = (double[])b.Clone();
        for (int i = 0; i < n; i++)
        {
            var target = x.AsSpan(i * columns, columns);
            for (int j = 0; j < i; j++)
            {
                double f = l[(long)i * n + j];
                if (f != 0) TensorPrimitives.MultiplyAdd<double>(x.AsSpan(j * columns, columns), -f, target, target);
            }
            TensorPrimitives.Divide<double>(target, l[(long)i * n + i], target);
        }
        for (int i = n - 1; i >= 0; i--)
        {
            var target = x.AsSpan(i * columns, columns);
            for (int j = i + 1; j < n; j++)
            {
                double f = l[(long)j * n + i];
                if (f != 0) TensorPrimitives.MultiplyAdd<double>(x.AsSpan(j * columns, columns), -f, target, target);
            }
            TensorPrimitives.Divide<double>(target, l[(long)i * n + i], target);
        }
        return x;
    }

    // Σ a·b in one order on every CPU: eight running sums (element k in sum k mod 8, as four 2-lane
    // vectors), then combined in a fixed order. A sum whose order followed the machine's vector
    // width (TensorPrimitives.Dot) would give refit weights another last bit on an AVX2 build
    // machine than on an AVX-512 one, and a lock replay promises the same bytes on both.
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        ref double x = ref MemoryMarshal.GetReference(a);
        ref double y = ref MemoryMarshal.GetReference(b);
        int n = a.Length, i = 0;
        Vector128<double> s0 = Vector128<double>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (; i <= n - 8; i += 8)
        {
            s0 += Vector128.LoadUnsafe(ref x, (nuint)i) * Vector128.LoadUnsafe(ref y, (nuint)i);
            s1 += Vector128.LoadUnsafe(ref x, (nuint)(i + 2)) * Vector128.LoadUnsafe(ref y, (nuint)(i + 2));
            s2 += Vector128.LoadUnsafe(ref x, (nuint)(i + 4)) * Vector128.LoadUnsafe(ref y, (nuint)(i + 4));
            s3 += Vector128.LoadUnsafe(ref x, (nuint)(i + 6)) * Vector128.LoadUnsafe(ref y, (nuint)(i + 6));
        }
        var s = (s0 + s1) + (s2 + s3);
        double sum = s.GetElement(0) + s.GetElement(1);
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}
