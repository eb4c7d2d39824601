using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class SyntheticDocumentsTests
{
    private static Model ImageModel()
    {
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 64, 96]);
        PassTestModels.DeclareOutput(g, g.CreateNode("Relu", [x]).Output(0));
        return model;
    }

    [TestMethod]
    public void PagesAreSeededNormalizedAndHaveDarkStrokesOnLightPaper()
    {
        var model = ImageModel();
        float[] a = SyntheticDocuments.For(model, seed: 7)[0].ToFloats(), b = SyntheticDocuments.For(model, seed: 7)[0].ToFloats();
        float[] c = SyntheticDocuments.For(model, seed: 8)[0].ToFloats();
        CollectionAssert.AreEqual(a, b, "same seed, same page");
        CollectionAssert.AreNotEqual(a, c);

        // Red channel: (v/255 − 0.485)/0.229 lies in [−2.12, 2.25]; paper near the top, ink near the bottom.
        var red = a.AsSpan(0, 64 * 96).ToArray();
        Assert.IsTrue(red.All(v => v >= -2.12f && v <= 2.25f));
        double light = red.Count(v => v > 1.0f) / (double)red.Length, dark = red.Count(v => v < -1.2f) / (double)red.Length;
        Assert.IsTrue(light > 0.3, $"mostly paper: {light:P0}");
        Assert.IsTrue(dark is > 0.01 and < 0.4, $"some ink: {dark:P0}");
    }

    [TestMethod]
    public void SampleSetOfPagesStreamsTheRequestedCount()
    {
        var model = ImageModel();
        using var set = SampleSet.SyntheticDocuments(model, 5, seed: 1);
        Assert.IsTrue(set.IsSynthetic);
        var batches = set.Batches(2).ToList();
        Assert.AreEqual(3, batches.Count);
        Assert.AreEqual(1L, batches[^1][0].Shape[0]);
    }
}
