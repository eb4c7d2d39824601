using ModelOpt.Engine.Data;
using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>The seed CNN's 2,000 held-out digits, and its accuracy on them as ONNX Runtime computes it.</summary>
internal static class SeedDigits
{
    private const int ImageSize = 28 * 28;
    private const int BatchSize = 500;

    public static string ModelPath => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static readonly Lazy<(float[] Pixels, long[] Labels)> Samples = new(() =>
    {
        string folder = Path.Combine(RepoPaths.Models, "seed-cnn.samples");
        return (NpyFile.Read(Path.Combine(folder, "input.npy")).ToFloats(), NpyFile.Read(Path.Combine(folder, "labels.npy")).ToInt64s());
    });

    public static int Count => Samples.Value.Labels.Length;

    /// <summary>Images <paramref name="start"/>…start+count−1 as the model's input.</summary>
    public static TensorData Batch(int start, int count) =>
        TensorData.FromFloats("input", [count, 1, 28, 28], Samples.Value.Pixels.AsSpan(start * ImageSize, count * ImageSize).ToArray());

    /// <summary>The logits of every held-out digit, batch after batch.</summary>
    public static IReadOnlyList<TensorData> Logits(OrtModelRunner runner)
    {
        var all = new List<TensorData>();
        for (int start = 0; start < Count; start += BatchSize)
            all.AddRange(runner.Run([Batch(start, Math.Min(BatchSize, Count - start))]));
        return all;
    }

    public static double Accuracy(IReadOnlyList<TensorData> logits)
    {
        var labels = Samples.Value.Labels;
        int correct = 0, index = 0;
        foreach (var batch in logits)
        {
            var values = batch.ToFloats();
            for (int i = 0; i < batch.Shape[0]; i++, index++)
            {
                int best = 0;
                for (int c = 1; c < 10; c++)
                    if (values[i * 10 + c] > values[i * 10 + best]) best = c;
                if (best == labels[index]) correct++;
            }
        }
        Assert.AreEqual(labels.Length, index, "every digit classified");
        return (double)correct / labels.Length;
    }
}
