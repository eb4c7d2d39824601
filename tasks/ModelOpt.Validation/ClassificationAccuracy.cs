using ModelOpt.Engine.IR;
using ModelOpt.Engine.Numerics;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation;

/// <summary>Top-1 correctness of a classifier on labelled samples, run in ONNX Runtime.</summary>
public static class ClassificationAccuracy
{
    /// <summary>
    /// For each sample, whether the largest score of the model's first output (shape [N, classes])
    /// is at the sample's label.
    /// </summary>
    public static bool[] Top1Hits(Model model, SampleSet samples, IReadOnlyList<long> labels, int batchSize = 256)
    {
        if (labels.Count < samples.Count)
            throw new ArgumentException($"{samples.Count} samples but only {labels.Count} labels.", nameof(labels));
        using var runner = OrtModelRunner.FromModel(model);
        var hits = new bool[samples.Count];
        int index = 0;
        foreach (var batch in samples.Batches(batchSize))
        {
            var scores = runner.Run(batch)[0];
            var predicted = Top1(scores);
            for (int s = 0; s < predicted.Length; s++, index++) hits[index] = predicted[s] == labels[index];
        }
        return hits;
    }

    /// <summary>The index of the largest score of each row of a [N, classes] output.</summary>
    public static int[] Top1(TensorData scores)
    {
        if (scores.Shape.Length != 2) throw new ArgumentException($"output '{scores.Name}' has shape [{string.Join(", ", scores.Shape)}], not [N, classes].", nameof(scores));
        int rows = (int)scores.Shape[0], classes = (int)scores.Shape[1];
        var values = scores.ToFloats();
        var result = new int[rows];
        for (int s = 0; s < rows; s++) result[s] = ArgMax.Of<float>(values, (long)s * classes, classes);
        return result;
    }

    /// <summary>The share of hits in [<paramref name="start"/>, end).</summary>
    public static double Rate(bool[] hits, int start = 0) =>
        hits.Length > start ? (double)hits.Skip(start).Count(h => h) / (hits.Length - start) : 0;
}
