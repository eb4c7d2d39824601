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
    private static List<float[]> NormalWithOutliers(int perBatch = 20_000)
    {
        var random = new Random(5);
        var batches = new List<float[]>();
        for (int b = 0; b < 3; b++)
        {
            var values = new float[perBatch];
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
    public void MseClipsTwoOutliersOfALargeTensorButNotOfASmallOne()
    {
        // Squared error: clipping 40 and −35 costs their distance squared; keeping them costs every
        // value the rounding error of 0.29-wide steps. Over 60,000 values keeping them is cheaper,
        // over 600,000 (a CNN activation holds millions) clipping part of the way is.
        var small = Range(CalibrationMethod.Mse, NormalWithOutliers());
        Assert.IsTrue(small.Max > 35f && small.Min < -30f, $"60,000 values: {small.Min}..{small.Max}");

        var large = NormalWithOutliers(perBatch: 200_000);
        var mse = Range(CalibrationMethod.Mse, large);
        Assert.IsTrue(mse.Max is > 4f and < 39f && mse.Min is < -4f and > -34f, $"600,000 values: {mse.Min}..{mse.Max}");

        // It is the range with the least actual uint8 round-trip error, against the other rules and neighbours of its own.
        double Error(TensorRange r) => large.Sum(b => RoundTripError(b, r));
        double best = Error(mse);
        foreach (var other in new[] { Range(CalibrationMethod.MinMax, large), Range(CalibrationMethod.Percentile, large), Range(CalibrationMethod.Percentile, large, 99.9),
                     new TensorRange(mse.Min * 0.8f, mse.Max * 0.8f), new TensorRange(mse.Min * 1.25f, mse.Max * 1.25f) })
            Assert.IsTrue(best <= Error(other) * 1.01, $"mse {mse.Min}..{mse.Max}: {best:0}; {other.Min}..{other.Max}: {Error(other):0}");
    }

    // Σ (x − dequantize(quantize(x)))² with uint8 and a zero point, as QuantizeLinear/DequantizeLinear compute it.
    private static double RoundTripError(float[] values, TensorRange range)
    {
        double scale = (range.Max - range.Min) / 255.0, zero = Math.Clamp(Math.Round(-range.Min / scale), 0, 255), sum = 0;
        foreach (float x in values)
        {
            double q = Math.Clamp(Math.Round(x / scale) + zero, 0, 255);
            double d = x - (q - zero) * scale;
            sum += d * d;
        }
        return sum;
    }

    [TestMethod]
    public void MseKeepsTheRangeOfAnEvenlySpreadTensorAndTheZeroOfANonNegativeOne()
    {
        var random = new Random(2);
        var uniform = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 20_000).Select(_ => random.NextSingle() * 6f).ToArray()).ToList();
        var range = Range(CalibrationMethod.Mse, uniform);
        Assert.AreEqual(uniform.Min(b => b.Min()), range.Min, "a tensor that never goes below zero keeps its lower edge");
        Assert.IsTrue(range.Max > 5.8f, $"nothing in an even spread is an outlier: upper edge {range.Max} of 6");

        // Rare values far out that *are* numerous enough to matter keep the range.
        var heavy = NormalWithOutliers();
        for (int i = 0; i < 3_000; i++) heavy[i % 3][i] = 30f + i % 10;
        Assert.IsTrue(Range(CalibrationMethod.Mse, heavy).Max > 30f, "5 % of the values at 30–40 are kept");
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
