using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Plan;

namespace ModelOpt.Engine.Tests.Passes;

[TestClass]
public sealed class WeightRangeTests
{
    private static sbyte[] Quantized(float[] w, WeightRange range, long stride = 1, long start = 0)
    {
        long count = (w.Length - start + stride - 1) / stride;
        float scale = range.Scale(w, start, count, stride);
        return Enumerable.Range(0, (int)count).Select(k => WeightRange.Quantize(w[(int)(start + k * stride)], scale)).ToArray();
    }

    [TestMethod]
    public void PairSafeScalesKeepEveryKNeighbourPairWithinWhatVpmaddubswAddsWithoutSaturating()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            var w = Enumerable.Range(0, 2 * random.Next(1, 40)).Select(_ => (float)(random.NextDouble() * 2 - 1) * (random.Next(4) == 0 ? 5f : 1f)).ToArray();
            var q = Quantized(w, WeightRange.Safe);
            for (int j = 0; j + 1 < q.Length; j += 2)
                Assert.IsTrue(255 * (Math.Abs(q[j]) + Math.Abs(q[j + 1])) <= short.MaxValue, $"pair {j}: {q[j]}, {q[j + 1]} overflows int16 with a uint8 of 255");
        }
    }

    [TestMethod]
    public void AnIsolatedLargeWeightKeepsTheFullRangeAndTwoLargeNeighboursHalveIt()
    {
        // The largest weight next to small ones still reaches 127 steps: nothing is lost against full range.
        float[] isolated = [1f, 0.005f, -0.02f, 0.5f];
        Assert.AreEqual(WeightRange.Full.Scale(isolated, 0, 4, 1), WeightRange.Safe.Scale(isolated, 0, 4, 1), 1e-9f);
        Assert.AreEqual(127, Quantized(isolated, WeightRange.Safe)[0]);

        float[] paired = [1f, -1f, 0.1f, 0.1f];
        Assert.AreEqual(64, Math.Abs((int)Quantized(paired, WeightRange.Safe)[0]));
        Assert.AreEqual(127, Quantized(paired, WeightRange.Full)[0]);
    }

    [TestMethod]
    public void PairsRunAlongTheStrideGivenForAMatrixReadDownItsRows()
    {
        // A [4, 2] matrix: column 0 holds 1 and 1 in rows 0 and 1 (a pair); column 1 holds an isolated 1.
        float[] matrix = [1f, 1f, 1f, 0f, 0f, 0.1f, 0f, 0f];
        var column = Quantized(matrix, WeightRange.Safe, stride: 2);
        Assert.AreEqual(4, column.Length);
        Assert.AreEqual(WeightRange.PairSteps, column[0] + column[1]);
        Assert.AreEqual(127, Quantized(matrix, WeightRange.Safe, stride: 2, start: 1)[0]);
    }

    [TestMethod]
    public void TheSettingWinsOverTheDeclaredCpuAndTheBuildCpuNeverDecides()
    {
        Assert.IsTrue(WeightRange.For(true, DeployCpu.Vnni).PairSafe);
        Assert.IsFalse(WeightRange.For(false, DeployCpu.Portable).PairSafe);
        try
        {
            foreach (bool saturating in new[] { true, false })
            {
                BuildCpu.Override = saturating;
                Assert.IsTrue(WeightRange.For(null, DeployCpu.Portable).PairSafe, "portable is pair-safe on any build CPU");
                Assert.IsTrue(WeightRange.For(null, DeployCpu.Avx2).PairSafe);
                Assert.IsFalse(WeightRange.For(null, DeployCpu.Vnni).PairSafe, "vnni is full range on any build CPU");
                // Only the report looks at the build CPU: full-range weights cannot be checked where the kernels saturate.
                Assert.AreEqual(saturating, BuildCpu.CannotCheck(DeployCpu.Vnni) is not null);
                Assert.IsNull(BuildCpu.CannotCheck(DeployCpu.Portable));
            }
        }
        finally
        {
            BuildCpu.Override = null;
        }
    }
}
