using Google.Protobuf;
using ModelOpt.Engine.Onnx;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// A model with large activations and almost no arithmetic, for the memory cap: a small input tiled
/// <see cref="Repeat"/>² times (<see cref="ActivationBytes"/> per value), a Relu of that, and the
/// maximum over the tiles. Its memory estimate is that of a 1024² U-Net's calibration, its runs
/// take a fraction of a second each.
/// </summary>
public static class WideActivations
{
    public const int Side = 128, Repeat = 64;

    /// <summary>Bytes of one tiled value: 8192² float32, 256 MiB.</summary>
    public const long ActivationBytes = 4L * Side * Repeat * Side * Repeat;

    public static ModelProto Create()
    {
        var graph = new GraphProto { Name = "wide_activations" };
        graph.Input.Add(TensorInfo("x", DataType.Float, 1, 1, Side, Side));
        graph.Output.Add(TensorInfo("y", DataType.Float, 1, 1));
        graph.Initializer.Add(Int64Tensor("repeats", [4], [1, 1, Repeat, Repeat]));
        graph.Node.Add(Node("Tile", ["x", "repeats"], ["tiled"], "tile"));
        graph.Node.Add(Node("Relu", ["tiled"], ["relu"], "relu"));
        var reduce = Node("ReduceMax", ["relu"], ["y"], "reduce");
        var axes = new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints };
        axes.Ints.AddRange([2, 3]);
        reduce.Attribute.Add(axes);
        reduce.Attribute.Add(IntAttribute("keepdims", 0));
        graph.Node.Add(reduce);
        return ModelAround(graph, opset: 17);
    }

    public static string Write(string path)
    {
        File.WriteAllBytes(path, Create().ToByteArray());
        return path;
    }

    /// <summary>Writes <paramref name="count"/> seeded samples as <c>x.npy</c> in <paramref name="folder"/>: few samples, so a run over them is short.</summary>
    public static string WriteSamples(string folder, int count = 2, int seed = 5)
    {
        Directory.CreateDirectory(folder);
        Engine.Data.NpyFile.Write(Path.Combine(folder, "x.npy"), [count, 1, Side, Side], RandomFloats(new Random(seed), count * Side * Side));
        return folder;
    }
}
