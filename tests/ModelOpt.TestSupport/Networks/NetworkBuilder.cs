using System.Runtime.InteropServices;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// Builds CNNs layer by layer with the IR, filling weights from a seeded <see cref="Random"/> (so a
/// network is the same on every run). Weights are written straight into the byte arrays the
/// tensors wrap: ResNet-50's 100 MB are not copied.
/// </summary>
public sealed class NetworkBuilder
{
    private readonly Random _random;

    public NetworkBuilder(int seed, long opset = 17)
    {
        _random = new Random(seed);
        Model = Model.Create(opset);
    }

    public Model Model { get; }

    public Graph Graph => Model.Graph;

    public Value Input(string name, params long[] dims) => Graph.AddInput(name, DataType.Float, dims.Select(d => (long?)d).ToArray());

    /// <summary>A float initializer of uniform random values in ±<paramref name="scale"/>.</summary>
    public Value Weight(string name, float scale, params long[] dims) => Uniform(name, -scale, scale, dims);

    /// <summary>A float initializer of uniform random values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public Value Uniform(string name, float low, float high, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var bytes = new byte[count * sizeof(float)];
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (int i = 0; i < values.Length; i++) values[i] = low + _random.NextSingle() * (high - low);
        return Graph.AddInitializer(Tensor.FromBytes(name, DataType.Float, dims, bytes));
    }

    public Value Scalar(string name, float value) => Graph.AddInitializer(Tensor.FromFloats(name, [], [value]));

    public Value Conv(Value x, long cin, long cout, long kernel, long stride = 1, long pad = 0, long group = 1, bool bias = false, string name = "conv")
    {
        var w = Weight($"{name}.weight", 1f / MathF.Sqrt(cin / group * kernel * kernel), cout, cin / group, kernel, kernel);
        Value?[] inputs = bias ? [x, w, Weight($"{name}.bias", 0.01f, cout)] : [x, w];
        var node = Graph.CreateNode("Conv", inputs, name: name);
        node.SetInts("kernel_shape", [kernel, kernel]);
        node.SetInts("strides", [stride, stride]);
        node.SetInts("pads", [pad, pad, pad, pad]);
        if (group != 1) node.SetInt("group", group);
        return node.Output();
    }

    /// <summary>Inference-mode BatchNormalization with scale, bias, running mean and variance.</summary>
    public Value BatchNorm(Value x, long channels, string name = "bn")
    {
        // Statistics as training leaves them: scales near 1 and strictly positive variances (a
        // negative variance would make the BatchNormalization compute NaN).
        var scale = Uniform($"{name}.weight", 0.5f, 1.5f, channels);
        var bias = Weight($"{name}.bias", 0.1f, channels);
        var mean = Weight($"{name}.running_mean", 0.1f, channels);
        var variance = Uniform($"{name}.running_var", 0.5f, 1.5f, channels);
        return Graph.CreateNode("BatchNormalization", [x, scale, bias, mean, variance], name: name).Output();
    }

    public Value Relu(Value x) => Graph.CreateNode("Relu", [x]).Output();

    /// <summary>ReLU6 as exporters write it: Clip with min 0 and max 6 as inputs (opset 11+).</summary>
    public Value Relu6(Value x) => Graph.CreateNode("Clip", [x, Scalar("relu6_min", 0), Scalar("relu6_max", 6)]).Output();

    public Value Add(Value a, Value b) => Graph.CreateNode("Add", [a, b]).Output();

    public Value MaxPool(Value x, long kernel, long stride, long pad)
    {
        var node = Graph.CreateNode("MaxPool", [x]);
        node.SetInts("kernel_shape", [kernel, kernel]);
        node.SetInts("strides", [stride, stride]);
        node.SetInts("pads", [pad, pad, pad, pad]);
        return node.Output();
    }

    public Value GlobalAveragePool(Value x) => Graph.CreateNode("GlobalAveragePool", [x]).Output();

    public Value Flatten(Value x) => Graph.CreateNode("Flatten", [x]).Output();

    /// <summary>A fully connected layer as PyTorch exports it: Gemm with transB = 1 and a bias.</summary>
    public Value Linear(Value x, long inFeatures, long outFeatures, string name = "fc")
    {
        var w = Weight($"{name}.weight", 1f / MathF.Sqrt(inFeatures), outFeatures, inFeatures);
        var b = Weight($"{name}.bias", 0.01f, outFeatures);
        var node = Graph.CreateNode("Gemm", [x, w, b], name: name);
        node.SetInt("transB", 1);
        return node.Output();
    }

    /// <summary>Declares <paramref name="output"/> as the graph's output and returns the model.</summary>
    public Model Finish(Value output, params long[] dims)
    {
        output.ElementType = DataType.Float;
        output.Shape = TensorShape.Of(dims);
        output.ShapeSource = ShapeSource.Declared;
        Graph.AddOutput(output);
        return Model;
    }
}
