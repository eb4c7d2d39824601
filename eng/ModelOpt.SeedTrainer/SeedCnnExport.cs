using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using static ModelOpt.SeedTrainer.SeedCnnShape;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.SeedTrainer;

/// <summary>Builds the trained network as an ONNX model (opset 17, IR 8) with ModelOpt's own IR and writer.</summary>
internal static class SeedCnnExport
{
    public static Model ToModel(SeedCnnParameters p)
    {
        var model = Model.Create(opset: 17, irVersion: 8, graphName: "seed_cnn", producer: "ModelOpt.SeedTrainer");
        var graph = model.Graph;
        var input = graph.AddInput("input", DataType.Float, [null, 1, InputSide, InputSide], ["batch", null, null, null]);

        var conv1 = Conv(graph, "conv1", input, p.Conv1Weight, p.Conv1Bias, Conv1Channels, 1);
        var relu1 = graph.CreateNode("Relu", [conv1], name: "relu1").Output();
        var conv2 = Conv(graph, "conv2", relu1, p.Conv2Weight, p.Conv2Bias, Conv2Channels, Conv1Channels);
        var relu2 = graph.CreateNode("Relu", [conv2], name: "relu2").Output();
        var flatten = graph.CreateNode("Flatten", [relu2], name: "flatten");
        flatten.SetInt("axis", 1);
        var fc1 = Gemm(graph, "fc1", flatten.Output(), p.Fc1Weight, p.Fc1Bias, Hidden, Flattened);
        var relu3 = graph.CreateNode("Relu", [fc1], name: "relu3").Output();
        var logits = Gemm(graph, "fc2", relu3, p.Fc2Weight, p.Fc2Bias, Classes, Hidden);

        graph.Rename(logits, "logits");
        logits.ElementType = DataType.Float;
        logits.Shape = new TensorShape([Dim.Unknown("batch"), Dim.Of(Classes)]);
        graph.AddOutput(logits);
        return model;
    }

    private static Value Conv(Graph graph, string name, Value input, float[] weight, float[] bias, int outChannels, int inChannels)
    {
        var w = graph.AddInitializer(Tensor.FromFloats($"{name}.weight", [outChannels, inChannels, Kernel, Kernel], weight));
        var b = graph.AddInitializer(Tensor.FromFloats($"{name}.bias", [outChannels], bias));
        var node = graph.CreateNode("Conv", [input, w, b], name: name);
        node.SetInts("kernel_shape", [Kernel, Kernel]);
        node.SetInts("strides", [1, 1]);
        node.SetInts("pads", [0, 0, 0, 0]);
        node.SetInts("dilations", [1, 1]);
        node.SetInt("group", 1);
        return node.Output();
    }

    private static Value Gemm(Graph graph, string name, Value input, float[] weight, float[] bias, int outFeatures, int inFeatures)
    {
        var w = graph.AddInitializer(Tensor.FromFloats($"{name}.weight", [outFeatures, inFeatures], weight));
        var b = graph.AddInitializer(Tensor.FromFloats($"{name}.bias", [outFeatures], bias));
        var node = graph.CreateNode("Gemm", [input, w, b], name: name);
        node.SetInt("transB", 1);
        return node.Output();
    }
}
