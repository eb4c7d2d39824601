using MathNet.Numerics.LinearAlgebra;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class Int4QuantizeTests
{
    private const int K = 256, N = 192;

    private static Model MatMulModel(float[] weights)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [null, K]);
        var mm = g.CreateNode("MatMul", [x, g.AddInitializer(Tensor.FromFloats("w", [K, N], weights))], name: "proj");
        PassTestModels.DeclareOutput(g, mm.Output(0));
        return model;
    }

    /// <summary>Rows of strongly correlated features: a few latent factors mixed into K inputs plus a little noise.</summary>
    private static float[] CorrelatedRows(int rows, int seed)
    {
        // The same mixing for every call, so calibration and test rows share one distribution.
        var mixing = new Random(100);
        var mix = Enumerable.Range(0, 8 * K).Select(_ => (float)(mixing.NextDouble() * 2 - 1)).ToArray();
        var random = new Random(seed);
        var x = new float[rows * K];
        for (int r = 0; r < rows; r++)
        {
            var z = Enumerable.Range(0, 8).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            for (int k = 0; k < K; k++)
            {
                float v = 0.05f * (float)(random.NextDouble() * 2 - 1);
                for (int f = 0; f < 8; f++) v += z[f] * mix[f * K + k];
                x[r * K + k] = v;
            }
        }
        return x;
    }

    private static double OutputError(float[] x, float[] w, float[] wq, int rows)
    {
        double err = 0;
        for (int r = 0; r < rows; r++)
            for (int n = 0; n < N; n++)
            {
                double d = 0;
                for (int k = 0; k < K; k++) d += x[r * K + k] * (double)(w[k * N + n] - wq[k * N + n]);
                err += d * d;
            }
        return err;
    }

    [TestMethod]
    public void GptqOutputErrorIsAtMostRoundToNearestsOnCorrelatedInputs()
    {
        var w = new PassTestModels(31).Values(K * N, 0.2f);
        var calibration = CorrelatedRows(512, 1);
        var test = CorrelatedRows(256, 2);
        var xm = Matrix<double>.Build.Dense(512, K, (r, c) => calibration[r * K + c]);
        var h = xm.TransposeThisAndMultiply(xm);
        foreach (bool symmetric in new[] { true, false })
        {
            double rtn = OutputError(test, w, RoundToNearest.Quantize(w, K, N, 32, symmetric).Dequantize(), 256);
            double gptq = OutputError(test, w, Gptq.Quantize(w, K, N, h, 32, symmetric).Dequantize(), 256);
            Assert.IsTrue(gptq <= rtn, $"symmetric={symmetric}: GPTQ {gptq} vs RTN {rtn}");
        }
    }

    [TestMethod]
    [DataRow("rtn", true)]
    [DataRow("gptq", false)]
    public void MatMulNBitsLoadsRunsAndMatchesTheDequantizedWeights(string algorithm, bool symmetric)
    {
        var w = new PassTestModels(32).Values(K * N, 0.2f);
        var model = MatMulModel(w);
        var rows = CorrelatedRows(8, 3);
        var inputs = new[] { TensorData.FromFloats("x", [8, K], rows) };
        var expected = OutputComparison.Run(model, inputs)[0].ToFloats();
        using var calibration = SampleSet.Synthetic(model, 32, seed: 4, new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of([1, K]) });

        var report = QuantizeRun.Quantize(model, $$"""{ "quantize": { "mode": "int4", "blockSize": 64, "algorithm": "{{algorithm}}", "symmetric": {{(symmetric ? "true" : "false")}} } }""", calibration);

        var node = model.Graph.Nodes.Single();
        Assert.AreEqual("MatMulNBits", node.OpType, string.Join("\n", report.Notes));
        Assert.AreEqual(4L, node.GetInt("bits", 0));
        Assert.AreEqual(symmetric ? 3 : 4, node.Inputs.Count);
        var actual = OutputComparison.Run(model, inputs)[0].ToFloats();
        Assert.IsTrue(QuantizePassTests.Cosine(expected, actual) > 0.98, $"cosine {QuantizePassTests.Cosine(expected, actual)}");
    }
}
