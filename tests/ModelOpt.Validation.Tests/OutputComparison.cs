using ModelOpt.Engine.Numerics;
using ModelOpt.Engine.IR;
using ModelOpt.Validation;

namespace ModelOpt.Validation.Tests;

/// <summary>Runs two models on the same inputs in ONNX Runtime and compares their float outputs.</summary>
internal static class OutputComparison
{
    public static IReadOnlyList<TensorData> Run(Model model, IReadOnlyList<TensorData> inputs)
    {
        using var runner = OrtModelRunner.FromModel(model);
        return runner.Run(inputs);
    }

    /// <summary>Largest |a − b| / max(1, |a|) over every output element.</summary>
    public static double MaxRelativeError(IReadOnlyList<TensorData> expected, IReadOnlyList<TensorData> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count, "output count");
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].Shape, actual[i].Shape, $"shape of output {i}");
            var a = expected[i].ToFloats();
            var b = actual[i].ToFloats();
            for (int j = 0; j < a.Length; j++)
                worst = Math.Max(worst, Math.Abs(a[j] - b[j]) / Math.Max(1.0, Math.Abs(a[j])));
        }
        return worst;
    }

    /// <summary>Cosine similarity of all float outputs taken as one vector (1 when both are zero).</summary>
    public static double Cosine(IReadOnlyList<TensorData> expected, IReadOnlyList<TensorData> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count, "output count");
        for (int i = 0; i < expected.Count; i++) CollectionAssert.AreEqual(expected[i].Shape, actual[i].Shape, $"shape of output {i}");
        return CosineSimilarity.Of(expected.SelectMany(t => t.ToFloats()).ToArray(), actual.SelectMany(t => t.ToFloats()).ToArray());
    }
}
