using ModelOpt.Engine.Onnx;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport;

/// <summary>Models that parse as ONNX but whose graphs are wrong, for the loader's error paths.</summary>
public static class BrokenModels
{
    /// <summary>a = Relu(b), b = Relu(a): no node can run first.</summary>
    public static ModelProto WithCycle()
    {
        var graph = new GraphProto { Name = "cycle" };
        graph.Input.Add(TensorInfo("x", DataType.Float, 2));
        graph.Node.Add(Node("Add", ["x", "b"], ["a"], "first"));
        graph.Node.Add(Node("Relu", ["a"], ["b"], "second"));
        graph.Output.Add(TensorInfo("a", DataType.Float, 2));
        return ModelAround(graph);
    }

    /// <summary>A node reads 'ghost', which no node, input or initializer defines.</summary>
    public static ModelProto WithDanglingInput()
    {
        var graph = new GraphProto { Name = "dangling" };
        graph.Input.Add(TensorInfo("x", DataType.Float, 2));
        graph.Node.Add(Node("Add", ["x", "ghost"], ["y"], "add"));
        graph.Output.Add(TensorInfo("y", DataType.Float, 2));
        return ModelAround(graph);
    }

    /// <summary>Two nodes both claim to produce 'y'.</summary>
    public static ModelProto WithValueProducedTwice()
    {
        var graph = new GraphProto { Name = "twice" };
        graph.Input.Add(TensorInfo("x", DataType.Float, 2));
        graph.Node.Add(Node("Relu", ["x"], ["y"], "relu"));
        graph.Node.Add(Node("Neg", ["x"], ["y"], "neg"));
        graph.Output.Add(TensorInfo("y", DataType.Float, 2));
        return ModelAround(graph);
    }
}
