using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class BiasCorrectionTests
{
    private const int Channels = 4;

    /// <summary>
    /// x + 5 → depthwise 3×3 (no padding) whose taps are one 1.0 and eight 0.0041: with scale 1/127
    /// each small tap rounds to 1 step (0.00787), an error of +0.0038 that does not average out, so
    /// on inputs around 5.5 every output is ≈ 8 · 0.0038 · 5.5 ≈ 0.17 too high.
    /// </summary>
    private static Model DepthwiseWithSystematicRounding()
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, Channels, 12, 12]);
        var shifted = g.CreateNode("Add", [x, g.AddInitializer(Tensor.FromFloats("five", [], [5f]))], name: "shift");
        var w = new float[Channels * 9];
        for (int i = 0; i < w.Length; i++) w[i] = i % 9 == 4 ? 1f : 0.0041f;
        var conv = g.CreateNode("Conv", [shifted.Output(0), g.AddInitializer(Tensor.FromFloats("w", [Channels, 1, 3, 3], w)),
            g.AddInitializer(Tensor.FromFloats("b", [Channels], [0.1f, -0.2f, 0.3f, 0f]))], name: "depthwise");
        conv.SetInt("group", Channels);
        PassTestModels.DeclareOutput(g, conv.Output(0));
        return model;
    }

    private static double MeanOutputError(bool biasCorrection)
    {
        var original = DepthwiseWithSystematicRounding();
        var model = DepthwiseWithSystematicRounding();
        using var calibration = SampleSet.Synthetic(model, 8, seed: 11);
        var report = QuantizeRun.Quantize(model, $$"""{ "quantize": { "allowSlower": true, "reduceRange": false, "biasCorrection": {{(biasCorrection ? "true" : "false")}} } }""", calibration);
        Assert.AreEqual(biasCorrection, report.Notes.Any(n => n.StartsWith("bias correction", StringComparison.Ordinal)), string.Join("\n", report.Notes));
        double sum = 0;
        long count = 0;
        foreach (var batch in calibration.Batches(1))
        {
            float[] expected = OutputComparison.Run(original, batch)[0].ToFloats(), actual = OutputComparison.Run(model, batch)[0].ToFloats();
            for (int i = 0; i < expected.Length; i++) sum += actual[i] - expected[i];
            count += expected.Length;
        }
        return sum / count;
    }

    [TestMethod]
    public void CorrectedBiasCancelsTheMeanOutputShiftOfSystematicWeightRounding()
    {
        double without = MeanOutputError(false), with = MeanOutputError(true);
        Assert.IsTrue(without > 0.1, $"without bias correction the mean output error is {without:0.0000}");
        Assert.IsTrue(Math.Abs(with) < 0.02, $"with bias correction the mean output error is {with:0.0000} (without: {without:0.0000})");
    }
}
