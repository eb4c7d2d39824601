using MathNet.Numerics.LinearAlgebra;
using System.Numerics.Tensors;
using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// The running sums XᵀX, XᵀY and ΣY² of a least-squares problem Y ≈ X·W, fed one row at a time.
/// Memory is D² + D·outputs doubles whatever the number of rows, so calibration streams.
/// </summary>
internal sealed class NormalEquations
{
    private readonly int _d;
    private readonly int _outputs;
    private readonly double[] _xtx; // upper triangle used, row-major D×D
    private readonly double[] _xty; // row-major D×outputs
    private double _yty;

    public NormalEquations(int unknowns, int outputs)
    {
        _d = unknowns;
        _outputs = outputs;
        _xtx = new double[(long)unknowns * unknowns];
        _xty = new double[(long)unknowns * outputs];
    }

    public int Unknowns => _d;

    public long Rows { get; private set; }

    public void Add(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        for (int i = 0; i < _d; i++)
        {
            double xi = x[i];
            // Inputs after ReLU are mostly zero; skipping them is most of the speed.
            if (xi == 0) continue;
            var row = _xtx.AsSpan(i * _d + i, _d - i);
            TensorPrimitives.MultiplyAdd(x[i..], xi, row, row);
            var target = _xty.AsSpan(i * _outputs, _outputs);
            TensorPrimitives.MultiplyAdd(y, xi, target, target);
        }
        _yty += TensorPrimitives.SumOfSquares(y);
        Rows++;
    }

    /// <summary>
    /// Minimizes ‖XW − Y‖² + λ‖W − W₀‖² with λ = <paramref name="ridge"/> × mean(diag XᵀX), by
    /// Cholesky. Returns null when the system is singular (e.g. all inputs zero and no ridge).
    /// </summary>
    public LeastSquaresFit? Solve(double ridge, Matrix<double> prior)
    {
        var a = Matrix<double>.Build.Dense(_d, _d, (i, j) => i <= j ? _xtx[i * _d + j] : _xtx[j * _d + i]);
        var b = Matrix<double>.Build.Dense(_d, _outputs, (i, j) => _xty[i * _outputs + j]);
        double scale = a.Diagonal().Average();
        if (!(scale > 0)) scale = 1;
        double lambda = ridge * scale;
        int d = _d, outputs = _outputs;
        var rhs = new double[(long)d * outputs];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < outputs; j++) rhs[i * outputs + j] = _xty[i * outputs + j] + prior[i, j] * lambda;
        var xtx = _xtx;
        var x = CholeskySolver.Solve(d, (i, j) => xtx[j * d + i] + (i == j ? lambda : 0), rhs, outputs);
        if (x is null || x.Any(v => !double.IsFinite(v))) return null;
        var solution = Matrix<double>.Build.Dense(d, outputs, (i, j) => x[i * outputs + j]);
        return new LeastSquaresFit(solution, Error(a, b, prior), Error(a, b, solution), _yty);
    }

    // ‖XW − Y‖² = tr(WᵀAW) − 2 tr(WᵀB) + ΣY², from the sums alone.
    private double Error(Matrix<double> a, Matrix<double> b, Matrix<double> w) =>
        Math.Max(0, w.TransposeThisAndMultiply(a * w).Trace() - 2 * w.TransposeThisAndMultiply(b).Trace() + _yty);
}

/// <summary>A solved refit: the weights (D × outputs, bias last) and the squared errors before and after on the calibration rows.</summary>
internal sealed record LeastSquaresFit(Matrix<double> Solution, double ErrorBefore, double ErrorAfter, double TargetEnergy)
{
    public double RelativeBefore => TargetEnergy > 0 ? ErrorBefore / TargetEnergy : 0;

    public double RelativeAfter => TargetEnergy > 0 ? ErrorAfter / TargetEnergy : 0;
}
