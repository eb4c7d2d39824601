using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Validation;

namespace ModelOpt.TestSupport;

public static class RoundTripAssertions
{
    /// <summary>Runs both files in ONNX Runtime on the same seeded inputs and requires bit-identical outputs.</summary>
    public static void AssertSameOutputs(string originalPath, string roundTrippedPath, Model model, IReadOnlyDictionary<string, TensorShape>? shapes = null)
    {
        var inputs = SyntheticInputs.For(model, shapes, seed: 1234);
        using var original = OrtModelRunner.FromFile(originalPath);
        using var copy = OrtModelRunner.FromFile(roundTrippedPath);
        var expected = original.Run(inputs);
        var actual = copy.Run(inputs);
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.IsTrue(expected[i].BitEquals(actual[i]), $"output {expected[i]} differs from {actual[i]} after the round trip");
            Assert.IsGreaterThan(0, expected[i].Bytes.Length, "an empty output proves nothing");
        }
    }

    public static void AssertSameProto(string originalPath, string roundTrippedPath)
    {
        var expected = ModelProto.Parser.ParseFrom(File.ReadAllBytes(originalPath));
        var actual = ModelProto.Parser.ParseFrom(File.ReadAllBytes(roundTrippedPath));
        var diffs = ProtoComparison.Differences(expected, actual);
        Assert.IsEmpty(diffs, string.Join("\n", diffs));
    }
}
