using ModelOpt.Engine.IR;
using static ModelOpt.SeedTrainer.LeNet5Shape;
using static ModelOpt.SeedTrainer.OnnxLayers;

namespace ModelOpt.SeedTrainer;

/// <summary>LeNet-5 (testassets/models/lenet5.onnx), see <see cref="LeNet5Shape"/>; exported as opset 17, IR 8.</summary>
internal sealed class LeNet5Network : IDigitNetwork<LeNet5Parameters>
{
    public string Name => "lenet5";

    public IReadOnlyList<(string Layer, long Flops)> Flops => LeNet5Shape.Flops;

    public LeNet5Parameters Initialize(Random rng) => LeNet5Parameters.Initialize(rng);

    public IDigitWorkspace<LeNet5Parameters> CreateWorkspace() => new LeNet5Workspace();

    public Model ToModel(LeNet5Parameters p)
    {
        var model = Model.Create(opset: 17, irVersion: 8, graphName: "lenet5", producer: "ModelOpt.SeedTrainer");
        var graph = model.Graph;
        var x = Input(graph);
        x = MaxPool2(graph, "pool1", Relu(graph, "relu1", Conv(graph, "conv1", x, p.Conv1Weight, p.Conv1Bias, Conv1Channels, 1, Kernel, Conv1Pad)));
        x = MaxPool2(graph, "pool2", Relu(graph, "relu2", Conv(graph, "conv2", x, p.Conv2Weight, p.Conv2Bias, Conv2Channels, Conv1Channels, Kernel, 0)));
        x = Flatten(graph, "flatten", x);
        x = Relu(graph, "relu3", Gemm(graph, "fc1", x, p.Fc1Weight, p.Fc1Bias, Hidden1, Flattened));
        x = Relu(graph, "relu4", Gemm(graph, "fc2", x, p.Fc2Weight, p.Fc2Bias, Hidden2, Hidden1));
        Logits(graph, Gemm(graph, "fc3", x, p.Fc3Weight, p.Fc3Bias, Classes, Hidden2), Classes);
        return model;
    }
}
