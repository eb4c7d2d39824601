using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// A net that returns more than an application reads, as exported segmentation nets do: a shared
/// trunk, the <c>mask</c> the application reads, and a <c>features</c> head (a conv of its own and a
/// large scale) that only training needed.
/// </summary>
public static class TwoHeadNet
{
    public const string Mask = "mask", Features = "features";

    public static Model Create(int seed = 3)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Input("input", 1, 3, 16, 16);
        var trunk = b.Relu(b.Conv(x, 3, 8, 3, pad: 1, bias: true, name: "trunk"));
        var mask = b.Graph.CreateNode("Sigmoid", [b.Conv(trunk, 8, 1, 1, bias: true, name: "mask_head")], name: "mask_sigmoid").Output();
        // Two in-range scales whose product is not: the head's values pass float16's largest (65,504).
        var scaled = b.Graph.CreateNode("Mul", [b.Conv(trunk, 8, 8, 3, pad: 1, bias: true, name: "features_head"), b.Scalar("features_scale1", 1000f)], name: "features_scale1").Output();
        var features = b.Graph.CreateNode("Mul", [scaled, b.Scalar("features_scale2", 1000f)], name: "features_scale2").Output();
        b.Graph.Rename(mask, Mask);
        b.Graph.Rename(features, Features);
        b.Finish(mask, 1, 1, 16, 16);
        return b.Finish(features, 1, 8, 16, 16);
    }

    public static string Write(string path)
    {
        ModelWriter.Save(Create(), path);
        return path;
    }
}
