using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// A dense predictor laid out as TensorFlow exports one: an NHWC image in ([batch, side, side, 3],
/// batch dynamic), a Transpose to NCHW, a small encoder (three stride-2 convs), a decoder that
/// upsamples and concatenates a skip connection, and a Transpose back to NHWC maps at a quarter of
/// the side ([batch, side/4, side/4, 9], as a line-segment detector writes its centre and
/// displacement maps). Random weights: for memory and mechanics, not for accuracy.
/// </summary>
public static class NhwcSegmenter
{
    public static Model Create(long side = 512, int seed = 5)
    {
        var b = new NetworkBuilder(seed);
        var image = b.Graph.AddInput("image", DataType.Float, [null, side, side, 3]);
        var x = Transpose(b, image, [0, 3, 1, 2]);
        var s1 = b.Relu(b.Conv(x, 3, 32, 3, stride: 2, pad: 1, bias: true, name: "enc1"));
        var s2 = b.Relu(b.Conv(s1, 32, 64, 3, stride: 2, pad: 1, bias: true, name: "enc2"));
        var s3 = b.Relu(b.Conv(s2, 64, 128, 3, stride: 2, pad: 1, bias: true, name: "enc3"));
        var y = b.Relu(b.Conv(s3, 128, 128, 3, pad: 1, bias: true, name: "mid"));
        var up = b.Graph.CreateNode("Resize", [y, null, b.Graph.AddInitializer(Tensor.FromFloats("up.scales", [4], [1, 1, 2, 2]))], name: "up");
        up.SetString("mode", "nearest");
        var cat = b.Graph.CreateNode("Concat", [up.Output(), s2], name: "skip");
        cat.SetInt("axis", 1);
        var d = b.Relu(b.Conv(cat.Output(), 192, 64, 3, pad: 1, bias: true, name: "dec"));
        var maps = b.Conv(d, 64, 9, 1, bias: true, name: "head");
        var output = Transpose(b, maps, [0, 2, 3, 1]);
        output.ElementType = DataType.Float;
        output.Shape = new TensorShape([new Dim(null, "batch"), new Dim(side / 4), new Dim(side / 4), new Dim(9)]);
        output.ShapeSource = ShapeSource.Declared;
        b.Graph.AddOutput(output);
        b.Graph.Rename(output, "maps");
        return b.Model;
    }

    private static Value Transpose(NetworkBuilder b, Value x, long[] perm)
    {
        var node = b.Graph.CreateNode("Transpose", [x]);
        node.SetInts("perm", perm);
        return node.Output();
    }
}
