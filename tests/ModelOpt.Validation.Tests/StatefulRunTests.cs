using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.TestSupport.Networks;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

/// <summary>Streaming models: bound values fill non-data inputs, and state pairs carry each output to its input.</summary>
[TestClass]
public sealed class StatefulRunTests
{
    [TestMethod]
    public void EachStepGetsTheStateThePreviousStepLeft()
    {
        using var folder = new TempFolder();
        string path = StreamingVad.Write(folder.File("vad.onnx"));
        var model = ModelLoader.Load(path);
        ShapeInference.Run(model, ShapeBindings.Parse([], ["sr=16000", "state=zeros"]));
        using var samples = SampleSet.Synthetic(model, 3, seed: 5);
        var steps = samples.Batches(16).ToList();
        Assert.HasCount(3, steps, "bound values make samples run one at a time");
        Assert.AreEqual("sr", steps[0][2].Name);
        Assert.AreEqual(16000L, steps[0][2].ToArray<long>()[0]);

        using var runner = OrtModelRunner.FromFile(path);
        var stepped = new StatefulRunner(runner, StatePairs.Parse(["stateN=state"]));
        TensorData? third = null;
        foreach (var step in steps) third = stepped.Run(step, ["output"])[0];

        // The same three steps by hand: feed stateN back as state.
        var state = steps[0][1];
        TensorData? expected = null;
        foreach (var step in steps)
        {
            var outputs = runner.Run([step[0], new TensorData("state", state.ElementType, state.Shape, state.Bytes), step[2]], ["output", "stateN"]);
            expected = outputs[0];
            state = outputs[1];
        }
        Assert.IsTrue(expected!.BitEquals(third!));
        // And it differs from running the third sample from the zero state: the state mattered.
        var fresh = runner.Run(steps[2], ["output"])[0];
        Assert.IsFalse(fresh.BitEquals(third!));
    }

    [TestMethod]
    public void AScalarInputIsReadFromASampleFileAsItIs()
    {
        using var folder = new TempFolder();
        string path = StreamingVad.Write(folder.File("vad.onnx"));
        var model = ModelLoader.Load(path);
        ShapeInference.Run(model, ShapeBindings.Parse([], ["state=zeros"]));
        var data = Directory.CreateDirectory(folder.File("data")).FullName;
        for (int i = 0; i < 2; i++)
        {
            var sample = Directory.CreateDirectory(Path.Combine(data, $"s{i}")).FullName;
            Engine.Data.NpyFile.Write(Path.Combine(sample, "input.npy"), [1, 8], new float[8]);
            Engine.Data.NpyFile.Write(Path.Combine(sample, "sr.npy"), [], [i == 0 ? 16000L : 8000L]);
        }
        using var samples = SampleSet.FromFolder(data, model);
        var batches = samples.Batches(8).ToList();
        Assert.HasCount(2, batches);
        CollectionAssert.AreEqual(Array.Empty<long>(), batches[1][2].Shape, "no batch axis invented for a scalar");
        Assert.AreEqual(8000L, batches[1][2].ToArray<long>()[0]);
        using var runner = OrtModelRunner.FromFile(path);
        Assert.HasCount(2, runner.Run(batches[1]));
    }
}
