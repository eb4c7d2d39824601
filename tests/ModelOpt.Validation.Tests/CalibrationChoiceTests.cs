using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

/// <summary>
/// <c>"calibration": "auto"</c> in ONNX Runtime: the rule that keeps the outputs closest wins,
/// and the two cases pull opposite ways — a rare outlier that carries no signal (clip it) and
/// rare large values that are the signal (keep them).
/// </summary>
[TestClass]
public sealed class CalibrationChoiceTests
{
    private const int Samples = 400, Width = 64;

    // x [N, 64] → MatMul 64×64 → Tanh → MatMul 64×8. Input 0 feeds only hidden unit 0, so an
    // outlier there stays one element in x and in the hidden layer.
    private static Model Network(float bumpW2 = 0)
    {
        var random = new Random(5);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [null, Width]);
        var w1 = new float[Width * Width];
        for (int i = 0; i < w1.Length; i++) w1[i] = (float)(random.NextDouble() - 0.5) * 0.3f;
        for (int j = 1; j < Width; j++) w1[j] = 0;   // row 0: input 0 → hidden 0 only
        w1[0] = 0.3f;
        var w2 = new float[Width * 8];
        for (int i = 0; i < w2.Length; i++) w2[i] = (float)(random.NextDouble() - 0.5);
        w2[0] += bumpW2;
        var h = g.CreateNode("MatMul", [x, g.AddInitializer(Tensor.FromFloats("w1", [Width, Width], w1))], name: "fc1").Output(0);
        var t = g.CreateNode("Tanh", [h], name: "tanh").Output(0);
        var y = g.CreateNode("MatMul", [t, g.AddInitializer(Tensor.FromFloats("w2", [Width, 8], w2))], name: "fc2").Output(0);
        g.AddOutput(y);
        return model;
    }

    private static readonly OptimizeConfig Auto = OptimizeConfig.Parse("""{ "quantize": { "calibration": "auto", "allowSlower": true } }""");

    private static string Run(Model model, OptimizeConfig config, IActivationSource source)
    {
        var context = new PassContext("net.onnx") { Config = config, Calibration = source };
        var reports = new PassPipeline(PassRegistry.Default.Parse("quantize")).Run(model, context);
        return reports[0].Notes.Single(n => n.StartsWith("calibration auto:", StringComparison.Ordinal));
    }

    private static (string Note, Model Quantized) Quantize(float[] rows, string folder)
    {
        NpyFile.Write(Path.Combine(folder, "x.npy"), [Samples, Width], rows);
        var model = Network();
        using var samples = SampleSet.FromFolder(folder, model);
        return (Run(model, Auto, new OrtActivationSource(samples, batchSize: 100)), model);
    }

    // Uniform inputs in [−2, 2) and one element of one sample at 10⁴: tanh saturates it either way.
    private static float[] WithOneOutlier()
    {
        var random = new Random(9);
        var rows = new float[Samples * Width];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() * 4 - 2);
        rows[7 * Width] = 10_000;
        return rows;
    }

    [TestMethod]
    public void ARunThatKeepsALayerFloatReusesTheRuleChosenWithEveryLayerInt8()
    {
        using var folder = new TempFolder();
        NpyFile.Write(Path.Combine(folder.Path, "x.npy"), [Samples, Width], WithOneOutlier());
        using var samples = SampleSet.FromFolder(folder.Path, Network());
        var source = new OrtActivationSource(samples, batchSize: 100);

        // A search trial: fc2 kept float by a per-node setting, before any run with every layer int8.
        string trial = Run(Network(), Auto.WithNodeSettings([("fc2", "quantize", null)]), source);
        string again = Run(Network(), Auto, source);

        StringAssert.StartsWith(trial, "calibration auto: percentile 99.99 (", trial);
        StringAssert.StartsWith(again, "calibration auto: percentile 99.99, as chosen for this model earlier in the run", again);
    }

    /// <summary>Counts the streams asked of a source (each one runs the model over every sample).</summary>
    private sealed class CountingSource(IActivationSource inner) : IActivationSource
    {
        public int Streams { get; private set; }
        public string Description => inner.Description;
        public bool IsSynthetic => inner.IsSynthetic;
        public int SampleCount => inner.SampleCount;

        public IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames)
        {
            Streams++;
            return inner.Stream(model, valueNames);
        }
    }

    [TestMethod]
    public void ATrialOfTheSameFloatModelReusesItsStatisticsAndAChangedWeightStreamsAgain()
    {
        using var folder = new TempFolder();
        NpyFile.Write(Path.Combine(folder.Path, "x.npy"), [Samples, Width], WithOneOutlier());
        using var samples = SampleSet.FromFolder(folder.Path, Network());
        var source = new CountingSource(new OrtActivationSource(samples, batchSize: 100));

        Run(Network(), Auto, source);
        int first = source.Streams;
        Run(Network(), Auto.WithNodeSettings([("fc2", "quantize", null)]), source);
        Assert.AreEqual(first, source.Streams, "the same float model: min/max and histogram are not streamed again");

        // A refit between trials changes a weight, not the graph: the statistics are streamed again.
        Run(Network(bumpW2: 0.5f), Auto, source);
        Assert.AreEqual(first + 2, source.Streams, "a changed weight: one min/max and one histogram stream");
    }

    [TestMethod]
    public void AnOutlierWithoutSignalIsClippedByAPercentile()
    {
        using var folder = new TempFolder();

        var (note, _) = Quantize(WithOneOutlier(), folder.Path);

        // MinMax spends 255 steps on [−2, 10⁴]: every ordinary input rounds to 0.
        StringAssert.StartsWith(note, "calibration auto: percentile 99.99 ", note);
    }

    [TestMethod]
    public void RareLargeValuesThatAreTheSignalAreNotClipped()
    {
        using var folder = new TempFolder();
        var rows = new float[Samples * Width];
        // Two events in 25,600 input elements (under 0.01 %), the rest exactly 0: the 99.99th
        // percentile of the input is 0 and would erase them; the output is nothing but them.
        rows[3 * Width + 5] = 3f;
        rows[200 * Width + 17] = 3f;

        var (note, _) = Quantize(rows, folder.Path);

        Assert.IsFalse(note.StartsWith("calibration auto: percentile 99.99 ", StringComparison.Ordinal), note);
        // What the candidates scored, as the note reports them: clipping at 99.99 loses the events.
        string clipped = note[(note.IndexOf("percentile 99.99 ", StringComparison.Ordinal) + "percentile 99.99 ".Length)..].Split(',', ')')[0];
        Assert.IsLessThan(0.5, double.Parse(clipped, System.Globalization.CultureInfo.InvariantCulture), note);
    }
}
