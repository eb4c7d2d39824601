using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>
/// Checks the committed MNIST models (the seed CNN and LeNet-5) with ONNX Runtime rather than with
/// the trainer's own code: each must load, take a symbolic batch and classify the held-out digits
/// it was never trained on.
/// </summary>
[TestClass]
public sealed class SeedModelTests
{
    private const int BatchSize = 250;

    private static string ModelPath => ModelFile("seed-cnn");

    private static string ModelFile(string name) => Path.Combine(RepoPaths.Models, $"{name}.onnx");

    private static string SamplesOf(string name) => Path.Combine(RepoPaths.Models, $"{name}.samples");

    [TestMethod]
    public void ModelHasTheDocumentedInterfaceAndNames()
    {
        var model = ModelLoader.Load(ModelPath);
        var graph = model.Graph;

        Assert.AreEqual(17L, model.OpsetVersion());
        Assert.AreEqual(8L, model.IrVersion);
        Assert.AreEqual("batch", graph.Inputs.Single().Shape![0].Symbol);
        Assert.AreEqual("1x28x28", string.Join('x', graph.Inputs.Single().Shape!.Dims.Skip(1)));
        Assert.AreEqual("batchx10", graph.Outputs.Single().Shape!.ToString());
        CollectionAssert.AreEqual(
            new[] { "conv1", "relu1", "conv2", "relu2", "flatten", "fc1", "relu3", "fc2" },
            graph.Nodes.Select(n => n.Name).ToArray());
        CollectionAssert.AreEqual(
            new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" },
            graph.Initializers.Select(v => v.Name).ToArray());
        Assert.AreEqual("128x2880", graph.FindValue("fc1.weight")!.Initializer!.Shape.ToString());
    }

    [TestMethod]
    public void LeNet5HasTheDocumentedLayers()
    {
        var model = ModelLoader.Load(ModelFile("lenet5"));
        var graph = model.Graph;

        Assert.AreEqual(17L, model.OpsetVersion());
        Assert.AreEqual("batch", graph.Inputs.Single().Shape![0].Symbol);
        Assert.AreEqual("1x28x28", string.Join('x', graph.Inputs.Single().Shape!.Dims.Skip(1)));
        Assert.AreEqual("batchx10", graph.Outputs.Single().Shape!.ToString());
        CollectionAssert.AreEqual(
            new[] { "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "fc2", "relu4", "fc3" },
            graph.Nodes.Select(n => n.Name).ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 2, 2, 2 }, graph.Nodes.Single(n => n.Name == "conv1").GetInts("pads"));
        var shapes = new[] { "conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight", "fc3.weight" }
            .Select(n => graph.FindValue(n)!.Initializer!.Shape.ToString()).ToArray();
        CollectionAssert.AreEqual(new[] { "6x1x5x5", "16x6x5x5", "120x400", "84x120", "10x84" }, shapes);
        Assert.AreEqual(61_706L, graph.Initializers.Sum(v => v.Initializer!.ElementCount));
    }

    [TestMethod]
    public void LeNet5IsHeldOutOnTheSeedCnnsDigits()
    {
        foreach (string file in new[] { "input.npy", "labels.npy" })
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(SamplesOf("seed-cnn"), file)), File.ReadAllBytes(Path.Combine(SamplesOf("lenet5"), file)), file);
    }

    [TestMethod]
    [DataRow("seed-cnn")]
    [DataRow("lenet5")]
    public void HeldOutSamplesHaveTheDocumentedShapes(string name)
    {
        var input = NpyFile.Read(Path.Combine(SamplesOf(name), "input.npy"));
        var labels = NpyFile.Read(Path.Combine(SamplesOf(name), "labels.npy"));

        CollectionAssert.AreEqual(new long[] { 2000, 1, 28, 28 }, input.Shape);
        Assert.AreEqual(Engine.Onnx.TensorProto.Types.DataType.Float, input.DataType);
        CollectionAssert.AreEqual(new long[] { 2000 }, labels.Shape);
        Assert.AreEqual(Engine.Onnx.TensorProto.Types.DataType.Int64, labels.DataType);
        var counts = labels.ToInt64s().GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => (long)i).ToArray(), counts.Keys.ToArray());
        Assert.IsTrue(input.Span<float>().ToArray().All(p => p is >= 0f and <= 1f), "pixels are scaled to [0, 1]");
    }

    [TestMethod]
    [DataRow("seed-cnn")]
    [DataRow("lenet5")]
    public void OnnxRuntimeClassifiesHeldOutDigitsAtLeast97PercentCorrectly(string name)
    {
        float[] pixels = NpyFile.Read(Path.Combine(SamplesOf(name), "input.npy")).ToFloats();
        long[] labels = NpyFile.Read(Path.Combine(SamplesOf(name), "labels.npy")).ToInt64s();
        const int imageSize = 28 * 28;

        using var session = new InferenceSession(ModelFile(name));
        Assert.AreEqual("input", session.InputMetadata.Keys.Single());
        Assert.AreEqual("logits", session.OutputMetadata.Keys.Single());

        int correct = 0;
        for (int start = 0; start < labels.Length; start += BatchSize)
        {
            int count = Math.Min(BatchSize, labels.Length - start);
            var batch = new DenseTensor<float>(pixels.AsMemory(start * imageSize, count * imageSize), [count, 1, 28, 28]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", batch)]);
            var logits = results.Single().AsTensor<float>();
            CollectionAssert.AreEqual(new[] { count, 10 }, logits.Dimensions.ToArray());
            for (int i = 0; i < count; i++)
            {
                int best = 0;
                for (int c = 1; c < 10; c++)
                    if (logits[i, c] > logits[i, best]) best = c;
                if (best == labels[start + i]) correct++;
            }
        }

        double accuracy = (double)correct / labels.Length;
        Assert.IsGreaterThanOrEqualTo(0.97, accuracy, $"held-out accuracy {accuracy:P2}");
    }
}
