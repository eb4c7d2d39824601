using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Shapes;

/// <summary>A model with one or a few nodes, for checking one shape rule at a time.</summary>
internal sealed class OpHarness
{
    public OpHarness(long opset = 17) => Model = Model.Create(opset);

    public Model Model { get; }

    public Graph Graph => Model.Graph;

    public Value Input(string name, params long[] dims) => Graph.AddInput(name, DataType.Float, dims.Select(d => (long?)d).ToArray());

    public Value SymbolicInput(string name, DataType type, params string[] dims) =>
        Graph.AddInput(name, type, dims.Select(d => long.TryParse(d, out long v) ? v : (long?)null).ToArray(),
            dims.Select(d => long.TryParse(d, out _) ? null : d).ToArray());

    public Value Ints(params long[] values) => Graph.AddInitializer(Tensor.FromInt64s("ints", [values.Length], values));

    public Value Floats(params float[] values) => Graph.AddInitializer(Tensor.FromFloats("floats", [values.Length], values));

    public Value Weight(params long[] dims) =>
        Graph.AddInitializer(Tensor.FromFloats("w", dims, new float[dims.Aggregate(1L, (a, d) => a * d)]));

    public Node Op(string opType, params Value?[] inputs) => Graph.CreateNode(opType, inputs);

    public Node Op(string opType, int outputs, params Value?[] inputs) => Graph.CreateNode(opType, inputs, outputs);

    public ShapeInferenceResult Infer(ShapeBindings? bindings = null) => ShapeInference.Run(Model, bindings ?? ShapeBindings.None);

    /// <summary>Runs inference and returns the node's output shape as text (e.g. "1x64x112x112").</summary>
    public string ShapeOf(Node node, int output = 0)
    {
        var result = Infer();
        var shape = node.Outputs[output]!.Shape;
        return shape?.ToString() ?? $"unknown: {result.ReasonFor(node)}";
    }
}
