using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Engine.Tests.Passes;

[TestClass]
public sealed class ActivationCalibratorTests
{
    /// <summary>Streams prepared batches of one activation, as ONNX Runtime would hand them over.</summary>
    private sealed class PreparedActivations(string name, IReadOnlyList<float[]> batches) : IActivationSource
    {
        public int Passes { get; private set; }
        public string Description => $"{batches.Count} prepared batches";
        public bool IsSynthetic => false;
        public int SampleCount => batches.Count;

        public IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames)
        {
            Passes++;
            foreach (var b in batches)
                yield return new Dictionary<string, Tensor> { [name] = Tensor.FromFloats(name, [b.Length], b) };
        }
    }

    // 3 batches of a standard normal (Box–Muller, seeded) with two far outliers in the last batch.
    private static List<float[]> NormalWithOutliers()
    {
        var random = new Random(5);
        var batches = new List<float[]>();
        for (int b = 0; b < 3; b++)
        {
            var values = new float[20_000];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            batches.Add(values);
        }
        batches[2][7] = 40f;
        batches[2][11] = -35f;
        return batches;
    }

    private static TensorRange Range(CalibrationMethod method, List<float[]> batches, double percentile = 99.99)
    {
        var source = new PreparedActivations("a", batches);
        var settings = new QuantizeSettings { Calibration = method, Percentile = percentile };
        return ActivationCalibrator.Ranges(Model.Create(), ["a"], source, settings)["a"];
    }

    [TestMethod]
    public void MinMaxSpansEveryBatch()
    {
        var range = Range(CalibrationMethod.MinMax, NormalWithOutliers());
        Assert.AreEqual(-35f, range.Min);
        Assert.AreEqual(40f, range.Max);
    }

    [TestMethod]
    public void PercentileClipsTheOutliersToTheDistributionsTail()
    {
        var range = Range(CalibrationMethod.Percentile, NormalWithOutliers(), percentile: 99.9);
        // The 0.1% and 99.9% points of a standard normal are ∓3.09; histogram bins are 75/2048 wide.
        Assert.AreEqual(3.09, range.Max, 0.15);
        Assert.AreEqual(-3.09, range.Min, 0.15);
    }

    [TestMethod]
    public void EntropyPicksAThresholdBetweenTheBulkAndTheOutliers()
    {
        var range = Range(CalibrationMethod.Entropy, NormalWithOutliers());
        Assert.IsTrue(range.Max is > 2.5f and < 20f, $"threshold {range.Max} (range {range.Min}..{range.Max}): it should keep the bulk (|x| < ~4) and drop the outliers at 35–40");
        Assert.AreEqual(-range.Max, range.Min, 1e-6, "a signed tensor gets a symmetric threshold");
    }

    [TestMethod]
    public void HistogramMethodsStreamTwiceAndKeepAFixedSizeHistogram()
    {
        var source = new PreparedActivations("a", NormalWithOutliers());
        ActivationCalibrator.Ranges(Model.Create(), ["a"], source, new QuantizeSettings { Calibration = CalibrationMethod.Percentile });
        Assert.AreEqual(2, source.Passes, "one pass for min/max, one to fill the histogram: no sample is kept in memory");
        var histogram = new RunningHistogram(-1, 1);
        for (int i = 0; i < 100; i++) histogram.Add(new float[] { -0.5f, 0.25f, 0.9f });
        Assert.AreEqual(RunningHistogram.DefaultBins, histogram.Counts.Length);
        Assert.AreEqual(300, histogram.Total);
    }
}
