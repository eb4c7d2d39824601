using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Quantize;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Passes;

[TestClass]
public sealed class QuantizeStemTests
{
    [TestMethod]
    public void TheStemEndsAtTheFirstConvDownsampledMoreThanFourTimes()
    {
        var model = Model.Create();
        var g = model.Graph;
        // Dynamic height and width: the stem is found from strides, not shapes.
        Value x = g.AddInput("x", DataType.Float, [1, 3, null, null]);
        var names = new List<string>();
        foreach (var (name, stride) in new[] { ("s2", 2L), ("s1", 1L), ("s2b", 2L), ("s2c", 2L), ("after", 1L) })
        {
            var w = g.AddInitializer(Tensor.FromFloats(name + ".w", [4, x == g.Inputs[0] ? 3 : 4, 3, 3], new float[(x == g.Inputs[0] ? 3 : 4) * 36]));
            var conv = g.CreateNode("Conv", [x, w], name: name);
            conv.SetInts("strides", [stride, stride]);
            x = conv.Output(0);
            names.Add(name);
        }
        g.AddOutput(x);

        var stem = StaticQuantizer.Stem(g).Select(n => n.Name).ToArray();

        // Cumulative strides 2, 2, 4 stay within a quarter of the input; 8 does not, and nothing after it counts.
        CollectionAssert.AreEqual(new[] { "s2", "s1", "s2b" }, stem);
    }

    [TestMethod]
    public void PoolingCountsTowardsTheDownsampling()
    {
        var model = Model.Create();
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 3, 64, 64]);
        var c1 = g.CreateNode("Conv", [x, g.AddInitializer(Tensor.FromFloats("w1", [4, 3, 3, 3], new float[108]))], name: "c1");
        c1.SetInts("strides", [2, 2]);
        var pool = g.CreateNode("MaxPool", [c1.Output(0)], name: "pool");
        pool.SetInts("kernel_shape", [3, 3]);
        pool.SetInts("strides", [4, 4]);
        var c2 = g.CreateNode("Conv", [pool.Output(0), g.AddInitializer(Tensor.FromFloats("w2", [4, 4, 1, 1], new float[16]))], name: "c2");
        g.AddOutput(c2.Output(0));

        CollectionAssert.AreEqual(new[] { "c1" }, StaticQuantizer.Stem(g).Select(n => n.Name).ToArray());
    }
}
