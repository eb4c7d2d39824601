using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Tests.Shapes;

[TestClass]
public sealed class ConvAndPoolShapeTests
{
    [TestMethod]
    public void ConvWithPaddingStrideAndDilation()
    {
        var h = new OpHarness();
        var conv = h.Op("Conv", h.Input("x", 2, 3, 224, 224), h.Weight(64, 3, 7, 7));
        conv.SetInts("strides", [2, 2]);
        conv.SetInts("pads", [3, 3, 3, 3]);
        Assert.AreEqual("2x64x112x112", h.ShapeOf(conv));

        var dilated = h.Op("Conv", h.Input("y", 1, 8, 32, 32), h.Weight(16, 8, 3, 3));
        dilated.SetInts("dilations", [2, 2]);
        Assert.AreEqual("1x16x28x28", h.ShapeOf(dilated));
    }

    [TestMethod]
    [DataRow("SAME_UPPER", "1x4x4x4")]
    [DataRow("SAME_LOWER", "1x4x4x4")]
    [DataRow("VALID", "1x4x3x3")]
    public void ConvAutoPad(string autoPad, string expected)
    {
        var h = new OpHarness();
        var conv = h.Op("Conv", h.Input("x", 1, 2, 7, 7), h.Weight(4, 2, 3, 3));
        conv.SetString("auto_pad", autoPad);
        conv.SetInts("strides", [2, 2]);
        Assert.AreEqual(expected, h.ShapeOf(conv));
    }

    [TestMethod]
    public void GroupedConvTakesCoutFromTheWeight()
    {
        var h = new OpHarness();
        var conv = h.Op("Conv", h.Input("x", 1, 32, 10, 10), h.Weight(32, 1, 3, 3));
        conv.SetInt("group", 32);
        conv.SetInts("pads", [1, 1, 1, 1]);
        Assert.AreEqual("1x32x10x10", h.ShapeOf(conv));
    }

    [TestMethod]
    public void ConvTransposeWithOutputPaddingAndGroups()
    {
        var h = new OpHarness();
        var deconv = h.Op("ConvTranspose", h.Input("x", 1, 8, 10, 10), h.Weight(8, 2, 3, 3));
        deconv.SetInts("strides", [2, 2]);
        deconv.SetInts("pads", [1, 1, 1, 1]);
        deconv.SetInts("output_padding", [1, 1]);
        deconv.SetInt("group", 2);
        // 2·(10−1) + 1 + (3−1) + 1 − 2 = 20; Cout = 2·group
        Assert.AreEqual("1x4x20x20", h.ShapeOf(deconv));
    }

    [TestMethod]
    public void ConvTransposeOutputShapeAttributeWins()
    {
        var h = new OpHarness();
        var deconv = h.Op("ConvTranspose", h.Input("x", 1, 8, 10, 10), h.Weight(8, 3, 3, 3));
        deconv.SetInts("strides", [2, 2]);
        deconv.SetInts("output_shape", [21, 19]);
        Assert.AreEqual("1x3x21x19", h.ShapeOf(deconv));
    }

    [TestMethod]
    [DataRow(0L, "1x1x2x2")]
    [DataRow(1L, "1x1x3x3")]
    public void MaxPoolCeilMode(long ceilMode, string expected)
    {
        var h = new OpHarness();
        var pool = h.Op("MaxPool", h.Input("x", 1, 1, 5, 5));
        pool.SetInts("kernel_shape", [2, 2]);
        pool.SetInts("strides", [2, 2]);
        pool.SetInt("ceil_mode", ceilMode);
        Assert.AreEqual(expected, h.ShapeOf(pool));
    }

    [TestMethod]
    [DataRow(4L, 2L, 2L, 1L, 1L, 3L)] // span 4 → ceil(4/2)+1 = 3; the last window starts at 4 < 4+1: kept
    [DataRow(5L, 3L, 2L, 0L, 1L, 3L)] // span 3 → 3; starts at 4 < 5: kept
    [DataRow(6L, 2L, 3L, 0L, 1L, 2L)] // span 5 → ceil(5/3)+1 = 3, but window 3 starts at 6 ≥ 6+0: dropped
    public void CeilModeDropsAWindowThatWouldStartInThePadding(long size, long kernel, long stride, long padBegin, long padEnd, long expected)
    {
        var h = new OpHarness();
        var pool = h.Op("MaxPool", h.Input("x", 1, 1, size, size));
        pool.SetInts("kernel_shape", [kernel, kernel]);
        pool.SetInts("strides", [stride, stride]);
        pool.SetInts("pads", [padBegin, padBegin, padEnd, padEnd]);
        pool.SetInt("ceil_mode", 1);
        Assert.AreEqual($"1x1x{expected}x{expected}", h.ShapeOf(pool));
    }

    [TestMethod]
    [DataRow("SAME_UPPER", "1x1x4x4")]
    [DataRow("SAME_LOWER", "1x1x4x4")]
    [DataRow("VALID", "1x1x3x3")]
    [DataRow("NOTSET", "1x1x3x3")]
    public void PoolAutoPad(string autoPad, string expected)
    {
        var h = new OpHarness();
        var pool = h.Op("MaxPool", h.Input("x", 1, 1, 7, 7));
        pool.SetInts("kernel_shape", [3, 3]);
        pool.SetInts("strides", [2, 2]);
        pool.SetString("auto_pad", autoPad);
        Assert.AreEqual(expected, h.ShapeOf(pool));
    }

    [TestMethod]
    public void PoolDilationsAndIndicesOutput()
    {
        var h = new OpHarness();
        var pool = h.Op("MaxPool", 2, h.Input("x", 1, 2, 10, 10));
        pool.SetInts("kernel_shape", [3, 3]);
        pool.SetInts("dilations", [2, 2]);
        Assert.AreEqual("1x2x6x6", h.ShapeOf(pool));
        Assert.AreEqual("1x2x6x6", pool.Outputs[1]!.Shape!.ToString());
        Assert.AreEqual(Onnx.TensorProto.Types.DataType.Int64, pool.Outputs[1]!.ElementType);
    }

    [TestMethod]
    public void LpPoolAndGlobalPools()
    {
        var h = new OpHarness();
        var x = h.Input("x", 1, 3, 9, 9);
        var lp = h.Op("LpPool", x);
        lp.SetInts("kernel_shape", [3, 3]);
        lp.SetInts("strides", [3, 3]);
        var gap = h.Op("GlobalAveragePool", x);
        var gmp = h.Op("GlobalMaxPool", x);
        Assert.AreEqual("1x3x3x3", h.ShapeOf(lp));
        Assert.AreEqual("1x3x1x1", gap.Output().Shape!.ToString());
        Assert.AreEqual("1x3x1x1", gmp.Output().Shape!.ToString());
    }

}
