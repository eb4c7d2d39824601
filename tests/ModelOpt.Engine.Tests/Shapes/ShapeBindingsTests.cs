using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.Shapes;

[TestClass]
public sealed class ShapeBindingsTests
{
    [TestMethod]
    public void ParsesNamesAndDims()
    {
        var b = ShapeBindings.Parse(["images=1x3x224x224", "mask=2,5", "step=scalar", "a=b=4"]);
        CollectionAssert.AreEqual(new long[] { 1, 3, 224, 224 }, b.Shapes["images"]);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, b.Shapes["mask"]);
        Assert.IsEmpty(b.Shapes["step"]);
        CollectionAssert.AreEqual(new long[] { 4 }, b.Shapes["a=b"]);
    }

    [TestMethod]
    [DataRow("images")]
    [DataRow("=1x3")]
    [DataRow("images=")]
    [DataRow("images=1x0x3")]
    [DataRow("images=1xax3")]
    [DataRow("images=1x-3")]
    public void RejectsMalformedBindings(string text)
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => ShapeBindings.Parse([text]));
        Assert.AreEqual(ErrorCode.InvalidShapeBinding, e.Code);
        StringAssert.Contains(e.Message, text);
    }

    [TestMethod]
    public void RejectsDuplicateNames()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => ShapeBindings.Parse(["x=1", "x=2"]));
        StringAssert.Contains(e.Message, "more than once");
    }

    [TestMethod]
    public void UnknownInputNameListsTheInputs()
    {
        var h = new OpHarness();
        h.Op("Relu", h.Input("pixels", 1, 3));
        var e = Assert.ThrowsExactly<ModelOptException>(() => h.Infer(ShapeBindings.Parse(["image=1x3"])));
        Assert.AreEqual(ErrorCode.UnknownInputName, e.Code);
        StringAssert.Contains(e.Message, "'image'");
        StringAssert.Contains(e.Message, "pixels");
    }

    [TestMethod]
    public void RankMismatchAndFixedDimConflictsAreInvalid()
    {
        var h = new OpHarness();
        h.SymbolicInput("x", DataType.Float, "N", "3", "224", "224");
        Assert.AreEqual(ErrorCode.InvalidShapeBinding, Assert.ThrowsExactly<ModelOptException>(() => h.Infer(ShapeBindings.Parse(["x=1x3x224"]))).Code);
        var e = Assert.ThrowsExactly<ModelOptException>(() => h.Infer(ShapeBindings.Parse(["x=1x4x224x224"])));
        StringAssert.Contains(e.Message, "dimension 1");
    }

    [TestMethod]
    public void OnlyTheBatchDimDefaultsToOneAndBindingsOverrideThem()
    {
        var h = new OpHarness();
        var x = h.SymbolicInput("x", DataType.Float, "batch", "3", "H", "W");
        var relu = h.Op("Relu", x);

        var result = h.Infer();
        Assert.AreEqual("1x3xHxW", relu.Output().Shape!.ToString(), "height and width stay symbolic: guessing them would make every figure meaningless");
        Assert.AreEqual(ShapeSource.Bound, x.ShapeSource);
        Assert.IsTrue(result.Notes.Any(n => n.Contains("'batch'") && n.Contains("defaulted to 1")), string.Join("\n", result.Notes));
        Assert.IsTrue(result.Notes.Any(n => n.Contains("dynamic dimension(s) 2 ('H'), 3 ('W')") && n.Contains("--shape x=1x3xNxN")), string.Join("\n", result.Notes));

        h.Infer(ShapeBindings.Parse(["x=8x3x32x32"]));
        Assert.AreEqual("8x3x32x32", relu.Output().Shape!.ToString());

        // A later run starts from the declaration again, not from the previous binding.
        h.Infer(ShapeBindings.Parse(["x=2x3x16x16"]));
        Assert.AreEqual("2x3x16x16", relu.Output().Shape!.ToString());
    }
}
