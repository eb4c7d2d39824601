using ModelOpt.Engine.IR;
using static ModelOpt.SeedTrainer.OnnxLayers;
using static ModelOpt.SeedTrainer.SeedCnnShape;

namespace ModelOpt.SeedTrainer;

/// <summary>Builds the trained seed network as an ONNX model (opset 17, IR 8) with ModelOpt's own IR and writer.</summary>
internal static class SeedCnnExport
{
    public static Model ToModel(SeedCnnParameters p)
    {
        var model = Model.Create(opset: 17, irVersion: 8, graphName: "seed_cnn", producer: "ModelOpt.SeedTrainer");
        var graph = model.Graph;
        var input = Input(graph);

        var conv1 = Conv(graph, "conv1", input, p.Conv1Weight, p.Conv1Bias, Conv1Channels, 1, Kernel, 0);
        var relu1 = Relu(graph, "relu1", conv1);
        var conv2 = Conv(graph, "conv2", relu1, p.Conv2Weight, p.Conv2Bias, Conv2Channels, Conv1Channels, Kernel, 0);
        var relu2 = Relu(graph, "relu2", conv2);
        var flatten = Flatten(graph, "flatten", relu2);
        var fc1 = Gemm(graph, "fc1", flatten, p.Fc1Weight, p.Fc1Bias, Hidden, Flattened);
        var relu3 = Relu(graph, "relu3", fc1);
        Logits(graph, Gemm(graph, "fc2", relu3, p.Fc2Weight, p.Fc2Bias, Classes, Hidden), Classes);
        return model;
    }
}
