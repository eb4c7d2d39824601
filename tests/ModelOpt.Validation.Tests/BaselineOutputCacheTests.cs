using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

/// <summary>The original's outputs run once per search: the same verdicts, fewer runs, never across what decides them.</summary>
[TestClass]
public sealed class BaselineOutputCacheTests
{
    private const int Width = 8;

    // x [N, 8] → op → y.
    private static Model Net(string op)
    {
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [null, Width]);
        g.AddOutput(g.CreateNode(op, [x], name: "y").Output(0));
        ShapeInference.Run(model, ShapeBindings.None);
        return model;
    }

    private static void WriteSamples(string folder, float shift)
    {
        var random = new Random(5);
        for (int i = 0; i < 6; i++)
            NpyFile.Write(Path.Combine(folder, $"{i:D3}.npy"), [1, Width], Enumerable.Range(0, Width).Select(_ => (float)random.NextDouble() - shift).ToArray());
    }

    private static ValidationReport Judge(string original, string data, BaselineOutputCache cache, string candidateOp = "Relu") =>
        BudgetValidator.Validate(new ModelUnderTest(ModelLoader.Load(original), original, 100, original), new ModelUnderTest(Net(candidateOp), "candidate", 100),
            BudgetSet.FromText([KeyValuePair.Create("minCosine", "0.5")]),
            new ValidationSettings { DataPath = data, Comparison = new ComparisonSettings { LatencyRuns = 0, BaselineOutputs = cache } });

    // An identity saved as the original, and six samples beside it.
    private static (string Original, string Data) IdentityAndSamples(TempFolder folder)
    {
        string original = Path.Combine(folder.Path, "original.onnx");
        ModelWriter.Save(Net("Identity"), original);
        string data = Directory.CreateDirectory(Path.Combine(folder.Path, "samples")).FullName;
        WriteSamples(data, 0.5f);
        return (original, data);
    }

    [TestMethod]
    public void TheSecondValidationOnTheSameSamplesTakesTheOriginalsOutputsFromTheCacheAndJudgesTheSame()
    {
        using var folder = new TempFolder();
        var (original, data) = IdentityAndSamples(folder);
        var cache = new BaselineOutputCache();

        var first = Judge(original, data, cache);
        Assert.AreEqual(0, cache.Hits);
        var second = Judge(original, data, cache);
        Assert.AreEqual(6, cache.Hits, "six samples of one row each (a batch each), each answered from the cache");
        Assert.AreEqual(first.Comparison!.MinCosine, second.Comparison!.MinCosine);
        CollectionAssert.AreEqual(first.Comparison.Outputs[0].SampleCosines.ToList(), second.Comparison.Outputs[0].SampleCosines.ToList());
        // Another candidate is judged against the same original outputs, and differently.
        var other = Judge(original, data, cache, "Abs");
        Assert.AreEqual(12, cache.Hits);
        Assert.AreNotEqual(first.Comparison.MinCosine, other.Comparison!.MinCosine);
    }

    [TestMethod]
    public void OtherSamplesOrAChangedOriginalAreNeverAnsweredFromTheCache()
    {
        using var folder = new TempFolder();
        string original = Path.Combine(folder.Path, "original.onnx");
        ModelWriter.Save(Net("Identity"), original);
        string a = Directory.CreateDirectory(Path.Combine(folder.Path, "a")).FullName, b = Directory.CreateDirectory(Path.Combine(folder.Path, "b")).FullName;
        WriteSamples(a, 0.5f);
        WriteSamples(b, 0.2f);
        var cache = new BaselineOutputCache();
        Judge(original, a, cache);
        Judge(original, b, cache);
        Assert.AreEqual(0, cache.Hits);

        // The original rewritten in place (a later write): its outputs are run again.
        ModelWriter.Save(Net("Neg"), original);
        File.SetLastWriteTimeUtc(original, DateTime.UtcNow.AddMinutes(1));
        var changed = Judge(original, a, cache);
        Assert.AreEqual(0, cache.Hits);
        Assert.IsTrue(changed.Comparison!.MinCosine < 0, "judged against the new original (Neg), not the kept Identity outputs");
    }

    [TestMethod]
    public void NothingIsKeptPastTheCacheSize()
    {
        using var folder = new TempFolder();
        var (original, data) = IdentityAndSamples(folder);
        // A batch (one sample) is 8 floats = 32 bytes: room for three of the six.
        var cache = new BaselineOutputCache { MaxBytes = 100 };
        Judge(original, data, cache);
        Judge(original, data, cache);
        Assert.AreEqual(3, cache.Hits);
    }
}
