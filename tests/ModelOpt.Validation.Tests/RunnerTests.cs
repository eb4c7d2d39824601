using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class RunnerTests
{
    [TestMethod]
    public void InMemoryModelGivesTheSameOutputsAsItsFile()
    {
        using var folder = new TempFolder();
        string path = RoundTripFixtures.Write(RoundTripFixtures.IfReadingOuterValues(), folder.File("if.onnx"));
        var model = ModelLoader.Load(path);
        var inputs = new[]
        {
            TensorData.FromFloats("x", [2, 3], [1, 2, 3, 4, 5, 6]),
            TensorData.FromFloats("flag", [1], [-1]),
        };
        using var fromFile = OrtModelRunner.FromFile(path, new OrtSessionSettings { IntraOpThreads = 2 });
        using var fromModel = OrtModelRunner.FromModel(model);
        var a = fromFile.Run(inputs).Single();
        var b = fromModel.Run(inputs).Single();
        Assert.IsTrue(a.BitEquals(b));
        // flag <= 0 takes the else branch: relu(x * 3 - offset).
        CollectionAssert.AreEqual(new[] { 2.75f, 7f, 7f, 11.75f, 16f, 16f }, a.ToFloats());
    }

    [TestMethod]
    public void RuntimeErrorsNameTheModel()
    {
        var model = ModelLoader.FromProto(RoundTripFixtures.IfReadingOuterValues(), "if_fixture.onnx", fromFile: false);
        using var runner = OrtModelRunner.FromModel(model);
        var wrongShape = new[] { TensorData.FromFloats("x", [5], [1, 2, 3, 4, 5]), TensorData.FromFloats("flag", [1], [1]) };
        var error = Assert.ThrowsExactly<ModelOptException>(() => runner.Run(wrongShape));
        Assert.AreEqual(ErrorCode.RuntimeFailed, error.Code);
        Assert.AreEqual("(in-memory model)", error.File);

        var notAModel = Assert.ThrowsExactly<ModelOptException>(() => OrtModelRunner.FromBytes([1, 2, 3], "junk.onnx"));
        Assert.AreEqual(ErrorCode.RuntimeFailed, notAModel.Code);
        Assert.AreEqual("junk.onnx", notAModel.File);
    }

    [TestMethod]
    public void SyntheticInputsAreSeededAndInRange()
    {
        var model = Model.Create();
        model.Graph.AddInput("f", DataType.Float, [null, 16]);
        model.Graph.AddInput("i", DataType.Int64, [2, 8]);
        var first = SyntheticInputs.For(model, seed: 5);
        var again = SyntheticInputs.For(model, seed: 5);
        var other = SyntheticInputs.For(model, seed: 6);
        Assert.IsTrue(first.Zip(again).All(p => p.First.BitEquals(p.Second)));
        Assert.IsFalse(first[0].BitEquals(other[0]));
        CollectionAssert.AreEqual(new long[] { 1, 16 }, first[0].Shape, "an unknown batch dimension becomes 1");
        Assert.IsTrue(first[0].ToFloats().All(v => v is >= 0f and < 1f));
        Assert.IsTrue(first[1].ToArray<long>().All(v => v is >= 0 and < SyntheticInputs.IntegerRange));

        var bound = SyntheticInputs.For(model, new Dictionary<string, TensorShape> { ["f"] = TensorShape.Of(3, 16) });
        CollectionAssert.AreEqual(new long[] { 3, 16 }, bound[0].Shape);
        var unknown = Assert.ThrowsExactly<ModelOptException>(() => SyntheticInputs.For(model, new Dictionary<string, TensorShape> { ["g"] = TensorShape.Of(1) }));
        Assert.AreEqual(ErrorCode.UnknownInputName, unknown.Code);
    }

    [TestMethod]
    public void LatencyMeterReportsMedianAndP90OfTimedRunsOnly()
    {
        int calls = 0;
        var result = LatencyMeter.Measure(() => calls++, warmupRuns: 2, runs: 5);
        Assert.AreEqual(7, calls);
        Assert.HasCount(5, result.Samples);
        Assert.IsLessThanOrEqualTo(result.P90Seconds, result.MedianSeconds);
        Assert.AreEqual(3.0, LatencyMeter.Percentile([5, 1, 3, 2, 4], 0.5));
        Assert.AreEqual(4.6, LatencyMeter.Percentile([5, 1, 3, 2, 4], 0.9), 1e-12);
    }
}
