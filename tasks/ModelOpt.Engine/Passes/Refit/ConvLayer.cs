using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// A 2-D Conv with group 1: each output position is W·patch + b, the patch being the
/// Cin×Kh×Kw receptive field (im2col), zero where it overhangs the padding.
/// </summary>
internal sealed class ConvLayer : LinearLayer
{
    private readonly int _cout, _cin, _kh, _kw;
    private readonly long[] _strides, _pads, _dilations;

    private ConvLayer(Node node, int cout, int cin, int kh, int kw) : base(node)
    {
        (_cout, _cin, _kh, _kw) = (cout, cin, kh, kw);
        _strides = node.GetInts("strides") ?? [1, 1];
        _pads = node.GetInts("pads") ?? [0, 0, 0, 0];
        _dilations = node.GetInts("dilations") ?? [1, 1];
    }

    public override int RowLength => _cin * _kh * _kw;

    public override int Outputs => _cout;

    public override double ZeroFraction => ZerosIn(Node.Input(1)!.ConstantValue!.Span<float>());

    public static new LinearLayer? TryCreate(Node node, out string why)
    {
        if (node.GetInt("group", 1) != 1) return Fail(out why, "it is a grouped or depthwise conv");
        if (node.GetString("auto_pad", "NOTSET") != "NOTSET") return Fail(out why, "it uses auto_pad");
        if (node.Input(1)?.ConstantValue is not { DataType: TensorProto.Types.DataType.Float } w || w.Dims.Length != 4)
            return Fail(out why, "its weights are not a constant float 2-D conv kernel");
        why = "";
        return new ConvLayer(node, (int)w.Dims[0], (int)w.Dims[1], (int)w.Dims[2], (int)w.Dims[3]);
    }

    public override Matrix<double> CurrentWeights()
    {
        var w = Node.Input(1)!.ConstantValue!.Span<float>();
        var bias = Node.Input(2)?.ConstantValue?.ToFloats();
        int d = RowLength;
        var m = Matrix<double>.Build.Dense(d + 1, _cout);
        for (int o = 0; o < _cout; o++)
        {
            for (int k = 0; k < d; k++) m[k, o] = w[o * d + k];
            m[d, o] = bias?[o] ?? 0;
        }
        return m;
    }

    public override string? AddRows(Tensor input, Tensor target, NormalEquations equations, Random random, int maxPositionsPerSample)
    {
        var xd = input.Dims;
        if (xd.Length != 4 || xd[1] != _cin) return $"its input has shape [{string.Join(", ", xd)}], not [N, {_cin}, H, W]";
        int n = (int)xd[0], h = (int)xd[2], wd = (int)xd[3];
        int ho = (int)((h + _pads[0] + _pads[2] - (_dilations[0] * (_kh - 1) + 1)) / _strides[0] + 1);
        int wo = (int)((wd + _pads[1] + _pads[3] - (_dilations[1] * (_kw - 1) + 1)) / _strides[1] + 1);
        long[] expected = [n, _cout, ho, wo];
        if (!target.Dims.AsSpan().SequenceEqual(expected))
            return $"the teacher's value has shape [{string.Join(", ", target.Dims)}], the layer computes [{string.Join(", ", expected)}]";

        var x = input.Span<float>();
        var y = target.Span<float>();
        var row = new double[RowLength + 1];
        var outputs = new double[_cout];
        var positions = new int[ho * wo];
        int take = Math.Min(positions.Length, maxPositionsPerSample);
        for (int s = 0; s < n; s++)
        {
            for (int p = 0; p < positions.Length; p++) positions[p] = p;
            // A partial Fisher–Yates shuffle: the first `take` entries are a uniform sample without repeats.
            for (int p = 0; p < take; p++)
            {
                int q = random.Next(p, positions.Length);
                (positions[p], positions[q]) = (positions[q], positions[p]);
            }
            for (int p = 0; p < take; p++)
            {
                int oy = positions[p] / wo, ox = positions[p] % wo;
                FillPatch(x, s, h, wd, oy, ox, row);
                for (int o = 0; o < _cout; o++) outputs[o] = y[((s * _cout + o) * ho + oy) * wo + ox];
                equations.Add(row, outputs);
            }
        }
        return null;
    }

    private void FillPatch(ReadOnlySpan<float> x, int sample, int h, int w, int oy, int ox, double[] row)
    {
        int k = 0;
        for (int c = 0; c < _cin; c++)
        {
            int plane = (sample * _cin + c) * h * w;
            for (int i = 0; i < _kh; i++)
            {
                long iy = oy * _strides[0] - _pads[0] + i * _dilations[0];
                for (int j = 0; j < _kw; j++, k++)
                {
                    long ix = ox * _strides[1] - _pads[1] + j * _dilations[1];
                    row[k] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + (int)iy * w + (int)ix] : 0;
                }
            }
        }
        row[k] = 1;
    }

    public override void Write(Graph graph, Matrix<double> solution)
    {
        int d = RowLength;
        var w = new float[_cout * d];
        var b = new float[_cout];
        for (int o = 0; o < _cout; o++)
        {
            for (int k = 0; k < d; k++) w[o * d + k] = (float)solution[k, o];
            b[o] = (float)solution[d, o];
        }
        SetConstantInput(graph, Node, 1, $"{Node.Name}.weight", [_cout, _cin, _kh, _kw], w);
        SetConstantInput(graph, Node, 2, $"{Node.Name}.bias", [_cout], b);
    }
}
