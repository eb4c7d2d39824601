using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.SeedTrainer;

/// <summary>The ONNX nodes the trained networks are exported as, with weights named <c>NODE.weight</c> / <c>NODE.bias</c>.</summary>
internal static class OnnxLayers
{
    public static Value Input(Graph graph) =>
        graph.AddInput("input", DataType.Float, [null, 1, MnistDigits.Side, MnistDigits.Side], ["batch", null, null, null]);

    /// <summary>A square convolution, stride 1, with <paramref name="pad"/> zeros on every side.</summary>
    public static Value Conv(Graph graph, string name, Value input, float[] weight, float[] bias, int outChannels, int inChannels, int kernel, int pad)
    {
        var w = graph.AddInitializer(Tensor.FromFloats($"{name}.weight", [outChannels, inChannels, kernel, kernel], weight));
        var b = graph.AddInitializer(Tensor.FromFloats($"{name}.bias", [outChannels], bias));
        var node = graph.CreateNode("Conv", [input, w, b], name: name);
        node.SetInts("kernel_shape", [kernel, kernel]);
        node.SetInts("strides", [1, 1]);
        node.SetInts("pads", [pad, pad, pad, pad]);
        node.SetInts("dilations", [1, 1]);
        node.SetInt("group", 1);
        return node.Output();
    }

    /// <summary>A fully connected layer, weights stored [out, in] (transB=1).</summary>
    public static Value Gemm(Graph graph, string name, Value input, float[] weight, float[] bias, int outFeatures, int inFeatures)
    {
        var w = graph.AddInitializer(Tensor.FromFloats($"{name}.weight", [outFeatures, inFeatures], weight));
        var b = graph.AddInitializer(Tensor.FromFloats($"{name}.bias", [outFeatures], bias));
        var node = graph.CreateNode("Gemm", [input, w, b], name: name);
        node.SetInt("transB", 1);
        return node.Output();
    }

    public static Value Relu(Graph graph, string name, Value input) => graph.CreateNode("Relu", [input], name: name).Output();

    /// <summary>2×2 max pooling, stride 2.</summary>
    public static Value MaxPool2(Graph graph, string name, Value input)
    {
        var node = graph.CreateNode("MaxPool", [input], name: name);
        node.SetInts("kernel_shape", [2, 2]);
        node.SetInts("strides", [2, 2]);
        return node.Output();
    }

    public static Value Flatten(Graph graph, string name, Value input)
    {
        var node = graph.CreateNode("Flatten", [input], name: name);
        node.SetInt("axis", 1);
        return node.Output();
    }

    /// <summary>Names the last value <c>logits</c> ([batch, classes]) and makes it the graph's output.</summary>
    public static void Logits(Graph graph, Value logits, int classes)
    {
        graph.Rename(logits, "logits");
        logits.ElementType = DataType.Float;
        logits.Shape = new TensorShape([Dim.Unknown("batch"), Dim.Of(classes)]);
        graph.AddOutput(logits);
    }
}
