using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// A layer <c>refit</c> can solve for: its outputs are a linear function of rows built from its
/// input (a conv's receptive-field patch, a Gemm's input row) plus a bias.
/// </summary>
internal abstract class LinearLayer(Node node)
{
    public Node Node { get; } = node;

    /// <summary>Length of one input row, without the bias column.</summary>
    public abstract int RowLength { get; }

    public abstract int Outputs { get; }

    /// <summary>Share of weights that are exactly zero (a pruned layer).</summary>
    public abstract double ZeroFraction { get; }

    /// <summary>The current weights as a (RowLength + 1) × Outputs matrix, bias in the last row.</summary>
    public abstract Matrix<double> CurrentWeights();

    /// <summary>
    /// Adds the rows of one batch: <paramref name="input"/> is this layer's input in the student,
    /// <paramref name="target"/> the teacher's value it should reproduce. Returns why the batch does
    /// not fit this layer, or null.
    /// </summary>
    public abstract string? AddRows(Tensor input, Tensor target, NormalEquations equations, Random random, int maxPositionsPerSample);

    /// <summary>Replaces the layer's weight and bias inputs by new initializers holding <paramref name="solution"/>.</summary>
    public abstract void Write(Graph graph, Matrix<double> solution);

    public static bool IsLinear(Node node) => node.Domain.Length == 0 && node.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul";

    /// <summary>The layer, or null with why <c>refit</c> cannot solve for it.</summary>
    public static LinearLayer? TryCreate(Node node, out string why)
    {
        why = "";
        if (node.Domain.Length != 0) return Fail(out why, $"{node.OpType} in domain '{node.Domain}' is not a layer refit handles");
        if (node.Input(0) is not { } x || x.ConstantValue is not null) return Fail(out why, "its input is constant");
        var bias = node.Input(2);
        if (bias is not null && bias.ConstantValue is not { DataType: TensorProto.Types.DataType.Float }) return Fail(out why, "its bias is not a constant float tensor");
        return node.OpType switch
        {
            "Conv" => ConvLayer.TryCreate(node, out why),
            "Gemm" => GemmLayer.TryCreate(node, out why),
            _ => Fail(out why, $"refit handles Conv (group 1) and Gemm layers, not {node.OpType}"),
        };
    }

    protected static LinearLayer? Fail(out string why, string reason)
    {
        why = reason;
        return null;
    }

    protected static double ZerosIn(ReadOnlySpan<float> values)
    {
        int zeros = 0;
        foreach (float v in values) if (v == 0) zeros++;
        return values.Length == 0 ? 0 : (double)zeros / values.Length;
    }

    /// <summary>Points <paramref name="node"/>'s input <paramref name="index"/> at a new initializer named after the old one.</summary>
    protected static void SetConstantInput(Graph graph, Node node, int index, string fallbackName, long[] dims, float[] values)
    {
        string name = (node.Input(index)?.Name ?? fallbackName) + ".refit";
        node.SetInput(index, graph.AddInitializer(Tensor.FromFloats(name, dims, values)));
    }
}
