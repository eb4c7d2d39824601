using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// A Gemm Y = α·A·op(B) + β·C with constant B and C: one row per sample. After the refit the
/// layer holds α = β = 1, B in its original layout and C as a vector.
/// </summary>
internal sealed class GemmLayer : LinearLayer
{
    private readonly int _k, _n;
    private readonly bool _transB;

    private GemmLayer(Node node, int k, int n, bool transB) : base(node) => (_k, _n, _transB) = (k, n, transB);

    public override int RowLength => _k;

    public override int Outputs => _n;

    public override double ZeroFraction => ZerosIn(Node.Input(1)!.ConstantValue!.Span<float>());

    public static new LinearLayer? TryCreate(Node node, out string why)
    {
        if (node.GetInt("transA", 0) != 0) return Fail(out why, "it transposes its input (transA)");
        if (node.Input(1)?.ConstantValue is not { DataType: TensorProto.Types.DataType.Float } b || b.Dims.Length != 2)
            return Fail(out why, "its weights are not a constant float matrix");
        bool transB = node.GetInt("transB", 0) != 0;
        int k = (int)(transB ? b.Dims[1] : b.Dims[0]), n = (int)(transB ? b.Dims[0] : b.Dims[1]);
        if (node.Input(2)?.ConstantValue is { } c && c.ElementCount != n && c.ElementCount != 1)
            return Fail(out why, $"its C has shape [{string.Join(", ", c.Dims)}], not one bias per output");
        why = "";
        return new GemmLayer(node, k, n, transB);
    }

    public override Matrix<double> CurrentWeights()
    {
        var b = Node.Input(1)!.ConstantValue!.Span<float>();
        var c = Node.Input(2)?.ConstantValue?.ToFloats();
        double alpha = Node.GetFloat("alpha", 1), beta = Node.GetFloat("beta", 1);
        var m = Matrix<double>.Build.Dense(_k + 1, _n);
        for (int o = 0; o < _n; o++)
        {
            for (int i = 0; i < _k; i++) m[i, o] = alpha * (_transB ? b[o * _k + i] : b[i * _n + o]);
            m[_k, o] = c is null ? 0 : beta * c[c.Length == 1 ? 0 : o];
        }
        return m;
    }

    public override string? AddRows(Tensor input, Tensor target, NormalEquations equations, Random random, int maxPositionsPerSample)
    {
        if (input.Dims.Length != 2 || input.Dims[1] != _k) return $"its input has shape [{string.Join(", ", input.Dims)}], not [M, {_k}]";
        int m = (int)input.Dims[0];
        if (!target.Dims.AsSpan().SequenceEqual(new long[] { m, _n }))
            return $"the teacher's value has shape [{string.Join(", ", target.Dims)}], the layer computes [{m}, {_n}]";
        var x = input.Span<float>();
        var y = target.Span<float>();
        var row = new double[_k + 1];
        var outputs = new double[_n];
        row[_k] = 1;
        for (int r = 0; r < m; r++)
        {
            for (int i = 0; i < _k; i++) row[i] = x[r * _k + i];
            for (int o = 0; o < _n; o++) outputs[o] = y[r * _n + o];
            equations.Add(row, outputs);
        }
        return null;
    }

    public override void Write(Graph graph, Matrix<double> solution)
    {
        var b = new float[_k * _n];
        var c = new float[_n];
        for (int o = 0; o < _n; o++)
        {
            for (int i = 0; i < _k; i++) b[_transB ? o * _k + i : i * _n + o] = (float)solution[i, o];
            c[o] = (float)solution[_k, o];
        }
        SetConstantInput(graph, Node, 1, $"{Node.Name}.weight", _transB ? [_n, _k] : [_k, _n], b);
        SetConstantInput(graph, Node, 2, $"{Node.Name}.bias", [_n], c);
        Node.SetFloat("alpha", 1);
        Node.SetFloat("beta", 1);
    }
}
