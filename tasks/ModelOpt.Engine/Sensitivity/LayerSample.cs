using ModelOpt.Engine.Cost;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Sensitivity;

/// <summary>
/// What the sensitivity profile keeps of one layer from the calibration stream: a few of its float
/// input rows (a conv's receptive-field patches at random output positions, a Gemm/MatMul's input
/// rows), the ranges of its input and output, and how many output positions one sample has (for its
/// MACs). From these the layer's own output can be recomputed under any local change, in C#, without
/// running the model again. Ops that are not linear layers keep sampled output values instead.
/// </summary>
internal sealed class LayerSample
{
    private readonly Node _node;
    private readonly int _maxRows;
    private readonly Random _random;
    private readonly List<float[]> _rows = [];
    private readonly List<float> _outputs = [];

    public LayerSample(Node node, int sampleCount, int seed)
    {
        _node = node;
        _random = new Random(seed);
        Weights = Weighted(node);
        if (Weights is { } w)
        {
            // Wide rows (a depthwise conv sees every channel's patch) get fewer rows, so memory stays ~4 MB per layer.
            _maxRows = (int)Math.Clamp(1_000_000 / Math.Max(1, RowLength), 64, 512);
            RowsPerSample = Math.Max(1, (int)Math.Ceiling((double)_maxRows / Math.Max(1, sampleCount)));
        }
        else
        {
            _maxRows = 8192;
            RowsPerSample = Math.Max(1, (int)Math.Ceiling(8192.0 / Math.Max(1, sampleCount)));
        }
    }

    public Node Node => _node;

    /// <summary>The constant weights of a linear layer (Conv 2-D, Gemm, MatMul by a constant matrix), or null.</summary>
    public Tensor? Weights { get; }

    public int RowsPerSample { get; }

    public IReadOnlyList<float[]> Rows => _rows;

    public IReadOnlyList<float> Outputs => _outputs;

    public (float Min, float Max) InputRange { get; private set; } = (float.MaxValue, float.MinValue);

    public (float Min, float Max) OutputRange { get; private set; } = (float.MaxValue, float.MinValue);

    /// <summary>Output positions per sample (conv: Ho·Wo; Gemm/MatMul: rows per sample); 0 until seen.</summary>
    public long PositionsPerSample { get; private set; }

    public bool IsConv => _node.OpType == "Conv";

    public int RowLength => Weights is not { } w ? 0 : IsConv ? (int)(InputChannels * w.Dims[2] * w.Dims[3]) : (int)InnerSize;

    /// <summary>Output channels (conv) or columns (Gemm/MatMul) of a linear layer.</summary>
    public int OutputCount => Weights is not { } w ? 0 : IsConv ? (int)w.Dims[0] : (int)OuterSize;

    /// <summary>Whether <see cref="Weights"/> hold output channels along their first axis (Conv, Gemm with transB).</summary>
    public bool OutputsFirst => IsConv || TransB;

    /// <summary>Input channels of a conv (all groups), known once an input has been seen.</summary>
    public long InputChannels { get; private set; }

    private bool TransB => _node.OpType == "Gemm" && _node.GetInt("transB", 0) != 0;

    private long InnerSize => Weights is { } w ? (TransB ? w.Dims[1] : w.Dims[0]) : 0;

    private long OuterSize => Weights is { } w ? (TransB ? w.Dims[0] : w.Dims[1]) : 0;

    /// <summary>MACs of one sample through this layer, once its shapes are known.</summary>
    public long MacsPerSample => Weights is not { } w ? 0 : LinearMacs.Of(PositionsPerSample, w.Dims);

    /// <summary>Elements read and written per sample (memory traffic, what an element-wise op costs).</summary>
    public long ElementsPerSample { get; private set; }

    public static Tensor? Weighted(Node node)
    {
        if (node.Domain.Length != 0) return null;
        return node.OpType switch
        {
            "Conv" when node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 4 } w
                && (node.Input(2) is null || node.Input(2)!.ConstantValue is not null) => w,
            "Gemm" when node.GetInt("transA", 0) == 0 && node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 } w
                && (node.Input(2) is null || node.Input(2)!.ConstantValue is not null) => w,
            "MatMul" when node.Input(1)?.ConstantValue is { DataType: TensorProto.Types.DataType.Float, Dims.Length: 2 } w => w,
            _ => null,
        };
    }

    /// <summary>The values to stream for this layer.</summary>
    public IEnumerable<string> ValueNames()
    {
        if (Weights is not null) yield return _node.Input(0)!.Name;
        yield return _node.Output(0).Name;
    }

    public void Add(IReadOnlyDictionary<string, Tensor> batch)
    {
        if (!batch.TryGetValue(_node.Output(0).Name, out var y) || y.DataType != TensorProto.Types.DataType.Float) return;
        var ys = y.Span<float>();
        OutputRange = Extend(OutputRange, ys);
        long n = Math.Max(1, y.Dims.Length > 0 ? y.Dims[0] : 1);
        long perSample = ys.Length / n;
        if (Weights is null)
        {
            ElementsPerSample = perSample * (1 + _node.Inputs.Count(i => i is not null && i.ConstantValue is null));
            for (long s = 0; s < n && _outputs.Count < _maxRows; s++)
                for (int i = 0; i < RowsPerSample && _outputs.Count < _maxRows; i++)
                    _outputs.Add(ys[(int)(s * perSample + _random.NextInt64(perSample))]);
            return;
        }
        if (!batch.TryGetValue(_node.Input(0)!.Name, out var x) || x.DataType != TensorProto.Types.DataType.Float) return;
        var xs = x.Span<float>();
        InputRange = Extend(InputRange, xs);
        ElementsPerSample = (xs.Length + ys.Length) / n;
        if (IsConv) AddConvRows(x, y);
        else AddMatrixRows(x, y);
    }

    private void AddConvRows(Tensor x, Tensor y)
    {
        if (x.Dims.Length != 4 || y.Dims.Length != 4) return;
        var w = Weights!;
        int n = (int)x.Dims[0], c = (int)x.Dims[1], h = (int)x.Dims[2], wd = (int)x.Dims[3];
        int ho = (int)y.Dims[2], wo = (int)y.Dims[3], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
        InputChannels = c;
        PositionsPerSample = (long)ho * wo;
        var strides = _node.GetInts("strides") ?? [1, 1];
        var dilations = _node.GetInts("dilations") ?? [1, 1];
        var (padTop, padLeft) = Pads(h, wd, ho, wo, kh, kw, strides, dilations);
        var xs = x.Span<float>();
        for (int s = 0; s < n; s++)
            for (int i = 0; i < RowsPerSample && _rows.Count < _maxRows; i++)
            {
                int oy = _random.Next(ho), ox = _random.Next(wo);
                var row = new float[c * kh * kw];
                for (int ch = 0; ch < c; ch++)
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = (int)(oy * strides[0] - padTop + ky * dilations[0]);
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = (int)(ox * strides[1] - padLeft + kx * dilations[1]);
                            if (ix < 0 || ix >= wd) continue;
                            row[(ch * kh + ky) * kw + kx] = xs[((s * c + ch) * h + iy) * wd + ix];
                        }
                    }
                _rows.Add(row);
            }
    }

    private (long Top, long Left) Pads(int h, int w, int ho, int wo, int kh, int kw, long[] strides, long[] dilations)
    {
        string autoPad = _node.GetString("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            long Total(int input, int output, int k, int axis) => Math.Max(0, (output - 1) * strides[axis] + (k - 1) * dilations[axis] + 1 - input);
            long th = Total(h, ho, kh, 0), tw = Total(w, wo, kw, 1);
            return autoPad == "SAME_UPPER" ? (th / 2, tw / 2) : (th - th / 2, tw - tw / 2);
        }
        if (autoPad == "VALID") return (0, 0);
        var pads = _node.GetInts("pads") ?? [0, 0, 0, 0];
        return (pads[0], pads[1]);
    }

    private void AddMatrixRows(Tensor x, Tensor y)
    {
        int k = (int)InnerSize;
        var xs = x.Span<float>();
        if (k == 0 || xs.Length % k != 0) return;
        long rows = xs.Length / k;
        long n = Math.Max(1, x.Dims.Length > 2 ? x.Dims[0] : rows);
        long perSample = Math.Max(1, rows / n);
        PositionsPerSample = perSample;
        for (long s = 0; s < n; s++)
            for (int i = 0; i < RowsPerSample && _rows.Count < _maxRows; i++)
            {
                long r = s * perSample + _random.NextInt64(perSample);
                _rows.Add(xs.Slice((int)(r * k), k).ToArray());
            }
    }

    private static (float, float) Extend((float Min, float Max) range, ReadOnlySpan<float> values)
    {
        float min = range.Min, max = range.Max;
        foreach (float v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }
}
