using System.Numerics.Tensors;
using ModelOpt.Engine.Passes.Knobs;

namespace ModelOpt.Engine.Sensitivity;

/// <summary>
/// A layer's own error under a knob setting, on its sampled float inputs: the relative squared
/// error ‖y' − y‖² / ‖y‖² of its output (1 / SQNR), where y is what the float layer computes and y'
/// what it computes after the change. Only that layer's arithmetic is recomputed.
/// </summary>
internal static class LocalError
{
    public static double Of(LayerSample layer, LocalChange change)
    {
        if (layer.Weights is null)
            return change is LocalChange.Quantized { ActivationBits: > 0 } q ? QuantizationNoise(layer.Outputs, layer.OutputRange, q.ActivationBits) : double.NaN;
        if (layer.Rows.Count == 0) return double.NaN;
        var weights = layer.Weights.ToFloats();
        var reference = Evaluate(layer, weights, null);
        double signal = 0;
        foreach (double v in reference) signal += v * v;
        if (signal == 0) return 0;
        double error = 0;
        switch (change)
        {
            case LocalChange.ReplacedWeights replaced:
            {
                var other = Evaluate(layer, replaced.Weights.Value, null);
                for (int i = 0; i < other.Length; i++) error += (other[i] - reference[i]) * (other[i] - reference[i]);
                break;
            }
            case LocalChange.RemovedOutputs removed:
            {
                int outputs = layer.OutputCount;
                var gone = removed.Channels.Where(c => c < outputs).ToHashSet();
                for (int i = 0; i < reference.Length; i++)
                    if (gone.Contains(i % outputs)) error += reference[i] * reference[i];
                break;
            }
            case LocalChange.Quantized q:
            {
                var qw = QuantizeWeights(weights, layer, q.WeightBits, q.PerChannel);
                Func<float, float>? input = q.ActivationBits > 0 ? Grid(layer.InputRange, q.ActivationBits) : null;
                var other = Evaluate(layer, qw, input);
                var output = q.ActivationBits > 0 && q.RoundsOutput ? Grid(layer.OutputRange, q.ActivationBits) : null;
                for (int i = 0; i < other.Length; i++)
                {
                    double v = output is null ? other[i] : output((float)other[i]);
                    error += (v - reference[i]) * (v - reference[i]);
                }
                break;
            }
            default:
                return double.NaN;
        }
        return error / signal;
    }

    // Outputs of the layer for every sampled row, row-major [rows, outputs].
    private static double[] Evaluate(LayerSample layer, float[] w, Func<float, float>? quantizeInput)
    {
        var node = layer.Node;
        int outputs = layer.OutputCount, rowLength = layer.RowLength;
        var bias = node.Input(2)?.ConstantValue?.ToFloats();
        var result = new double[layer.Rows.Count * outputs];
        var x = new float[rowLength];
        if (layer.IsConv)
        {
            int groups = (int)node.GetInt("group", 1);
            int perGroupIn = (int)(layer.Weights!.Dims[1] * layer.Weights.Dims[2] * layer.Weights.Dims[3]);
            int perGroupOut = Math.Max(1, outputs / groups);
            for (int r = 0; r < layer.Rows.Count; r++)
            {
                Load(layer.Rows[r], x, quantizeInput);
                for (int o = 0; o < outputs; o++)
                {
                    int start = o / perGroupOut * perGroupIn;
                    if (start + perGroupIn > x.Length) continue;
                    double sum = bias?[o] ?? 0;
                    sum += TensorPrimitives.Dot<float>(x.AsSpan(start, perGroupIn), w.AsSpan(o * perGroupIn, perGroupIn));
                    result[r * outputs + o] = sum;
                }
            }
            return result;
        }
        double alpha = node.OpType == "Gemm" ? node.GetFloat("alpha", 1) : 1, beta = node.OpType == "Gemm" ? node.GetFloat("beta", 1) : 1;
        var byOutput = layer.OutputsFirst ? w : Transpose(w, rowLength, outputs);
        for (int r = 0; r < layer.Rows.Count; r++)
        {
            Load(layer.Rows[r], x, quantizeInput);
            for (int o = 0; o < outputs; o++)
            {
                double sum = TensorPrimitives.Dot<float>(x, byOutput.AsSpan(o * rowLength, rowLength));
                double b = bias is null ? 0 : bias.Length == outputs ? bias[o] : bias.Length == 1 ? bias[0] : 0;
                result[r * outputs + o] = alpha * sum + beta * b;
            }
        }
        return result;
    }

    private static float[] Transpose(float[] w, int rows, int columns)
    {
        var t = new float[w.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) t[j * rows + i] = w[i * columns + j];
        return t;
    }

    private static void Load(float[] row, float[] x, Func<float, float>? quantize)
    {
        if (quantize is null) Array.Copy(row, x, Math.Min(row.Length, x.Length));
        else for (int i = 0; i < x.Length && i < row.Length; i++) x[i] = quantize(row[i]);
    }

    // Symmetric weights per output channel (or per tensor), as the quantizers write them.
    private static float[] QuantizeWeights(float[] w, LayerSample layer, int bits, bool perChannel)
    {
        int outputs = layer.OutputCount, perOutput = w.Length / Math.Max(1, outputs);
        bool first = layer.OutputsFirst;
        int Index(int o, int j) => first ? o * perOutput + j : j * outputs + o;
        double levels = (1 << (bits - 1)) - 1;
        var scales = new double[outputs];
        double all = 0;
        for (int o = 0; o < outputs; o++)
        {
            double max = 0;
            for (int j = 0; j < perOutput; j++) max = Math.Max(max, Math.Abs(w[Index(o, j)]));
            scales[o] = max / levels;
            all = Math.Max(all, max);
        }
        var q = new float[w.Length];
        for (int o = 0; o < outputs; o++)
        {
            double scale = perChannel ? scales[o] : all / levels;
            for (int j = 0; j < perOutput; j++)
            {
                int i = Index(o, j);
                q[i] = scale == 0 ? 0 : (float)(Math.Clamp(Math.Round(w[i] / scale), -levels, levels) * scale);
            }
        }
        return q;
    }

    // Asymmetric rounding onto 2^bits steps spanning the calibrated range (widened to hold 0, as Q/DQ does).
    private static Func<float, float> Grid((float Min, float Max) range, int bits)
    {
        double min = Math.Min(0, range.Min), max = Math.Max(0, range.Max);
        double steps = (1 << bits) - 1;
        double scale = (max - min) / steps;
        if (scale <= 0 || double.IsNaN(scale)) return v => v;
        double zero = Math.Round(-min / scale);
        return v => (float)((Math.Clamp(Math.Round(v / scale) + zero, 0, steps) - zero) * scale);
    }

    private static double QuantizationNoise(IReadOnlyList<float> values, (float Min, float Max) range, int bits)
    {
        var grid = Grid(range, bits);
        double signal = 0, error = 0;
        foreach (float v in values)
        {
            signal += (double)v * v;
            double d = grid(v) - v;
            error += d * d;
        }
        return signal == 0 ? 0 : error / signal;
    }
}
