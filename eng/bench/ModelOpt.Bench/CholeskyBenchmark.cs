using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Bench;

/// <summary>
/// <c>cholesky</c>: refit's normal-equation solve at the size of the seed CNN's fc1 (2,881 unknowns,
/// 128 outputs; ReLU-sparse rows), MathNet's managed Cholesky against <see cref="CholeskySolver"/>,
/// interleaved rounds, medians, and the largest relative difference of the two solutions.
/// </summary>
internal static class CholeskyBenchmark
{
    public static int Run(string[] args)
    {
        int n = BenchArguments.Int(args, "--unknowns", 2881), columns = BenchArguments.Int(args, "--outputs", 128);
        int rounds = BenchArguments.Int(args, "--rounds", 5);
        var random = new Random(1);
        var x = Matrix<double>.Build.Dense(1024, n, (_, _) => random.NextDouble() < 0.5 ? 0 : random.NextDouble());
        var a = x.TransposeThisAndMultiply(x);
        a += Matrix<double>.Build.DenseIdentity(n) * (1e-3 * a.Diagonal().Average());
        var b = Matrix<double>.Build.Dense(n, columns, (_, _) => random.NextDouble());
        var rowMajor = new double[n * columns];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < columns; j++) rowMajor[i * columns + j] = b[i, j];

        var mathNet = new List<double>();
        var solver = new List<double>();
        double worst = 0;
        for (int round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var expected = a.Cholesky().Solve(b);
            mathNet.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            var solution = CholeskySolver.Solve(n, (i, j) => a[i, j], rowMajor, columns)!;
            solver.Add(clock.Elapsed.TotalSeconds);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < columns; j++)
                    worst = Math.Max(worst, Math.Abs(expected[i, j] - solution[i * columns + j]) / (1 + Math.Abs(expected[i, j])));
        }
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.WriteLine($"{n} unknowns, {columns} outputs, {rounds} interleaved rounds: MathNet Cholesky {Median(mathNet):0.00} s, CholeskySolver {Median(solver):0.00} s (median), {Median(mathNet) / Median(solver):0.0}x; largest relative difference {worst:0.0e0}.");
        return 0;
    }
}
