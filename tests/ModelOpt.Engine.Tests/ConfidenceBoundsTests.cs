using MathNet.Numerics.Distributions;
using ModelOpt.Engine.Budgets;

namespace ModelOpt.Engine.Tests;

/// <summary>The bounds output budgets are judged by, against published and closed-form values.</summary>
[TestClass]
public sealed class ConfidenceBoundsTests
{
    // Two-sided 95 % Clopper–Pearson intervals (each side a one-sided 97.5 % bound), as tabulated.
    [TestMethod]
    [DataRow(5, 10, 0.1871, 0.8129)]
    [DataRow(1, 10, 0.0025, 0.4450)]
    [DataRow(0, 10, 0.0, 0.3085)]
    [DataRow(10, 10, 0.6915, 1.0)]
    public void ClopperPearsonMatchesTables(int k, int n, double lower, double upper)
    {
        Assert.AreEqual(lower, ConfidenceBounds.ClopperPearsonLower(k, n, 0.975), 1e-4);
        Assert.AreEqual(upper, ConfidenceBounds.ClopperPearsonUpper(k, n, 0.975), 1e-4);
    }

    [TestMethod]
    public void ClopperPearsonBoundsAreWhereTheBinomialTailIsAlpha()
    {
        // The defining property, checked with the binomial distribution rather than the beta quantile.
        foreach (var (k, n) in new[] { (3, 20), (17, 166), (160, 166) })
        {
            double upper = ConfidenceBounds.ClopperPearsonUpper(k, n, 0.95);
            double lower = ConfidenceBounds.ClopperPearsonLower(k, n, 0.95);
            Assert.AreEqual(0.05, Binomial.CDF(upper, n, k), 1e-6, $"P(X ≤ {k} | n = {n}, p = upper)");
            Assert.AreEqual(0.05, 1 - Binomial.CDF(lower, n, k - 1), 1e-6, $"P(X ≥ {k} | n = {n}, p = lower)");
        }
    }

    [TestMethod]
    public void NoErrorInNSamplesBoundsTheRateAtOneMinusAlphaToTheOneOverN()
    {
        // 0 of 166: the exact 95 % bound is 1 − 0.05^(1/166) = 1.79 %.
        Assert.AreEqual(1 - Math.Pow(0.05, 1.0 / 166), ConfidenceBounds.ClopperPearsonUpper(0, 166, 0.95), 1e-9);
        Assert.AreEqual(0.017885, ConfidenceBounds.ClopperPearsonUpper(0, 166, 0.95), 1e-6);
    }

    [TestMethod]
    public void TheDropBoundUsesTheDiscordantPairs()
    {
        // No answer changed: z² / (n + z²), 1.6 % for 166 samples at 95 % (z = 1.6449).
        double z = 1.6448536269514722;
        Assert.AreEqual(z * z / (166 + z * z), ConfidenceBounds.PairedDropUpper(0, 0, 166, 0.95), 1e-9);
        Assert.AreEqual(0.016037, ConfidenceBounds.PairedDropResolution(166, 0.95), 1e-6);
        Assert.AreEqual(268, ConfidenceBounds.SamplesForDrop(0.01, 0.95));
        double oneWrong = ConfidenceBounds.PairedDropUpper(1, 0, 166, 0.95);
        double oneEach = ConfidenceBounds.PairedDropUpper(1, 1, 166, 0.95);
        double manyRight = ConfidenceBounds.PairedDropUpper(0, 20, 166, 0.95);
        Assert.IsGreaterThan(ConfidenceBounds.PairedDropUpper(0, 0, 166, 0.95), oneWrong, "a sample newly wrong raises the bound");
        Assert.IsLessThan(oneWrong, ConfidenceBounds.PairedDropUpper(1, 5, 166, 0.95), "samples newly right lower it");
        Assert.IsGreaterThan(0.0, oneEach, "one each way: no drop measured, yet a positive bound");
        Assert.IsLessThan(0.0, manyRight, "a candidate surely better has a negative bound on its drop");
        Assert.IsGreaterThan(ConfidenceBounds.PairedDropUpper(5, 0, 1000, 0.95), ConfidenceBounds.PairedDropUpper(5, 0, 1000, 0.99), "a higher confidence, a looser bound");
    }

    [TestMethod]
    public void TheDropBoundReducesToMcNemarAtZeroAndHoldsItsConfidence()
    {
        // Where the bound sits at Δ = 0 exactly, the score is McNemar's (b − c)/√(b + c) = −z: b = 0, c = 3 gives −√3 < −1.645.
        Assert.IsLessThan(0.0, ConfidenceBounds.PairedDropUpper(0, 3, 1000, 0.95));
        Assert.IsGreaterThan(0.0, ConfidenceBounds.PairedDropUpper(0, 2, 1000, 0.95), "−√2 > −1.645: a drop of 0 is still possible");
        // Coverage, simulated: 200 samples, 3 % newly wrong and 1 % newly right (a true drop of 2 points).
        var random = new Random(7);
        int covered = 0;
        const int runs = 2000;
        for (int r = 0; r < runs; r++)
        {
            int b = 0, c = 0;
            for (int i = 0; i < 200; i++)
            {
                double u = random.NextDouble();
                if (u < 0.03) b++;
                else if (u < 0.04) c++;
            }
            if (ConfidenceBounds.PairedDropUpper(b, c, 200, 0.95) >= 0.02) covered++;
        }
        Assert.IsGreaterThanOrEqualTo(0.93, (double)covered / runs, "the 95 % bound is above the true drop about 95 % of the time");
    }

    [TestMethod]
    public void AQuantileBoundNeedsEnoughSamples()
    {
        // The classic rule: the smallest of 59 samples bounds the 5th percentile at 95 %; of 58 it does not.
        var values59 = Enumerable.Range(0, 59).Select(i => 1 - i / 1000.0).ToArray();
        Assert.AreEqual(values59.Min(), ConfidenceBounds.QuantileLower(values59, 0.05, 0.95));
        Assert.IsNull(ConfidenceBounds.QuantileLower(values59[..58], 0.05, 0.95));
        Assert.AreEqual(59, ConfidenceBounds.SamplesForQuantile(0.05, 0.95));
        // With more samples the bound climbs above the minimum, and stays below the percentile itself.
        var values = Enumerable.Range(0, 1000).Select(i => i / 1000.0).ToArray();
        double bound = ConfidenceBounds.QuantileLower(values, 0.05, 0.95)!.Value;
        Assert.IsGreaterThan(0.0, bound);
        Assert.IsLessThan(0.05, bound);
    }

    [TestMethod]
    public void TheBootstrapBoundIsSeededAndBelowThePooledRatio()
    {
        var hits = Enumerable.Range(0, 50).Select(i => (long)(i % 5 == 0 ? 80 : 100)).ToArray();
        var counts = Enumerable.Repeat(100L, 50).ToArray();
        double pooled = (double)hits.Sum() / counts.Sum();
        double a = ConfidenceBounds.BootstrapRatioLower(hits, counts, 0.95);
        Assert.AreEqual(a, ConfidenceBounds.BootstrapRatioLower(hits, counts, 0.95), "the same results, the same bound");
        Assert.IsLessThan(pooled, a);
        Assert.IsGreaterThan(0.9, a);
        Assert.AreEqual(1.0, ConfidenceBounds.BootstrapRatioLower(counts, counts, 0.95), "nothing changed: nothing to doubt");
    }

    [TestMethod]
    public void SamplesThatCannotResolveABudgetSaySoWithTheCountNeeded()
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        var line = BudgetResolution.Check(budgets, 166, agreementPerSample: true).Single();
        StringAssert.Contains(line, "166 samples cannot resolve maxAccuracyDrop 1 points at 95 % confidence");
        StringAssert.Contains(line, "one sample is 0.6 points");
        StringAssert.Contains(line, "bound of 1.6 points");
        StringAssert.Contains(line, "at least 268 samples");
        StringAssert.Contains(line, "can hold a budget of 1.6 points or more");
        Assert.IsEmpty(BudgetResolution.Check(budgets, 300, agreementPerSample: true), "300 samples resolve a 1-point drop");

        var agreement = BudgetSet.FromText([KeyValuePair.Create("minAgreement", "0.995")]);
        StringAssert.Contains(BudgetResolution.Check(agreement, 166, agreementPerSample: true).Single(), "at least 598 samples");
        Assert.IsEmpty(BudgetResolution.Check(agreement, 166, agreementPerSample: false), "pixels and frames are judged by a bootstrap, not here");

        var percentile = BudgetSet.FromText([KeyValuePair.Create("minCosine", "0.99"), KeyValuePair.Create("--cosine-percentile", "0.05")]);
        StringAssert.Contains(BudgetResolution.Check(percentile, 20, agreementPerSample: true).Single(), "at least 59 samples");
        Assert.IsEmpty(BudgetResolution.Check(BudgetSet.FromText([KeyValuePair.Create("minCosine", "0.99")]), 3, agreementPerSample: true), "the worst sample needs no count");
    }

    [TestMethod]
    public void ABudgetASearchOnTheseSamplesCannotHoldIsSaidBeforeItStartsWithTheCountNeeded()
    {
        var one = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        // 667 and 666 digits resolve 1 point (no answer changed: 0.4), but none changed of 667 may be 3 of 666: 1.12.
        Assert.IsEmpty(BudgetResolution.Check(one, 666, agreementPerSample: true));
        var (held, lines) = BudgetResolution.ForSearch(one, 667, 666, agreementPerSample: true);
        var line = lines.Single();
        StringAssert.Contains(line, "a search choosing on 667 samples and confirmed on 666 cannot hold maxAccuracyDrop 1 points at 95 % confidence");
        StringAssert.Contains(line, "may still make 3 of the confirming ones newly wrong, a 95 % bound of 1.12 points there");
        int needed = ConfidenceBounds.SamplesForSearch(0.01, 0.95);
        Assert.IsTrue(needed is > 700 and < 1000, $"needed {needed}");
        Assert.IsLessThanOrEqualTo(0.01, ConfidenceBounds.SearchHeldDrop(needed, needed, 0.95));
        Assert.IsGreaterThan(0.01, ConfidenceBounds.SearchHeldDrop(needed - 1, needed - 1, 0.95));
        StringAssert.Contains(line, $"at least {needed} samples in each part");
        // The search goes on with what these samples can hold, and every later step judges against it.
        StringAssert.Contains(line, "the search goes on with maxAccuracyDrop 1.12 points");
        var drop = held[BudgetDefinition.MaxAccuracyDrop]!;
        Assert.AreEqual(100 * ConfidenceBounds.SearchHeldDrop(667, 666, 0.95), drop.Limit, 1e-12);
        Assert.AreEqual(1.0, drop.Asked);
        StringAssert.Contains(drop.Describe(), "maxAccuracyDrop ≤ 1.12 points (asked 1 points");

        // A budget the samples can hold is left exactly as given: no line, no change.
        var loose = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1.5"), KeyValuePair.Create("minFlopReduction", "2")]);
        var (same, none) = BudgetResolution.ForSearch(loose, 667, 666, agreementPerSample: true);
        Assert.IsEmpty(none);
        CollectionAssert.AreEqual(loose.All.ToList(), same.All.ToList());
        // 500 digits (167 choose, 166 confirm): 4.44 points.
        var (small, said) = BudgetResolution.ForSearch(one, 167, 166, agreementPerSample: true);
        StringAssert.Contains(said.Single(), "goes on with maxAccuracyDrop 4.44 points");
        Assert.AreEqual(4.44, small[BudgetDefinition.MaxAccuracyDrop]!.Limit, 0.005);

        // Agreement alike: a perfect candidate on 167 digits may show 0.982 on 166 unseen.
        var agreement = BudgetSet.FromText([KeyValuePair.Create("minAgreement", "0.995")]);
        var (heldAgreement, agreementLines) = BudgetResolution.ForSearch(agreement, 167, 166, agreementPerSample: true);
        StringAssert.Contains(agreementLines.Single(), "The search goes on with minAgreement");
        Assert.IsLessThan(0.995, heldAgreement[BudgetDefinition.MinAgreement]!.Limit);
        Assert.AreEqual(0.995, heldAgreement[BudgetDefinition.MinAgreement]!.Asked);
    }

    [TestMethod]
    public void ADefaultNobodyAskedForIsNeverLoosenedToWhatFewSamplesCanHold()
    {
        var floor = BudgetSet.None.WithBudgets([new Budget(BudgetDefinition.MaxAccuracyDrop, 1, "the default fidelity floor")]);
        var (held, lines) = BudgetResolution.ForSearch(floor, 167, 166, agreementPerSample: true, movable: b => b.Source != "the default fidelity floor");
        Assert.AreEqual(1.0, held[BudgetDefinition.MaxAccuracyDrop]!.Limit);
        Assert.IsNull(held[BudgetDefinition.MaxAccuracyDrop]!.Asked);
        Assert.IsFalse(lines.Any(l => l.Contains("goes on with", StringComparison.Ordinal)), string.Join("\n", lines));
    }

    [TestMethod]
    public void ABudgetIsJudgedByItsBound()
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MaxAccuracyDrop, new BudgetEstimate(0.45, 1.1, 0.95) { Samples = 2000, Method = "exact, paired" });
        var verdict = m.Evaluate(budgets).Single();
        Assert.IsFalse(verdict.Kept, "0.45 points keeps 1 point, its bound 1.1 does not");
        Assert.AreEqual(0.45, verdict.Measured);
        StringAssert.Contains(verdict.Message(), "is 0.45 points (95 % bound 1.1 points), limit at most 1 points");
        StringAssert.Contains(verdict.Headline(), "maxAccuracyDrop 0.45 points (95 % bound 1.1 points) exceeds 1 points");

        m.Set(BudgetDefinition.MaxAccuracyDrop, new BudgetEstimate(0.45, 0.9, 0.95) { Samples = 2000, Method = "exact, paired" });
        Assert.IsTrue(m.Evaluate(budgets).Single().Kept);
    }

    [TestMethod]
    public void ABudgetTheSamplesCannotResolveIsJudgedAtWhatTheyCan()
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "1")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MaxAccuracyDrop, new BudgetEstimate(0, 1.6, 0.95) { Samples = 166, Resolvable = 1.6, Method = "paired" });
        var verdict = m.Evaluate(budgets).Single();
        Assert.IsTrue(verdict.Kept);
        Assert.AreEqual(1.6, verdict.JudgedLimit);
        StringAssert.Contains(verdict.Message(), "166 samples cannot resolve that limit at 95 % confidence, so the bound was judged against 1.6 points");
    }

    [TestMethod]
    public void TheWorstSampleIsNamedWithThePooledFigureBeside()
    {
        var budgets = BudgetSet.FromText([KeyValuePair.Create("minCosine", "0.99")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MinCosine, new BudgetEstimate(0.933, 0.933, 0.95) { Samples = 12, Statistic = "the worst sample", WorstSample = "img_017.npy", Pooled = 0.995 });
        var verdict = m.Evaluate(budgets).Single();
        Assert.IsFalse(verdict.Kept);
        StringAssert.Contains(verdict.Message(), "is 0.933 at the worst sample 'img_017.npy' (pooled 0.995), limit at least 0.99");
    }

    [TestMethod]
    public void TheConfidenceAndPercentileAreSettings()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse("""{ "minCosine": 0.99, "confidence": 0.9, "cosinePercentile": "5%" }""")!.AsObject();
        var set = BudgetSet.FromConfig(json, "modelopt.json");
        Assert.AreEqual(0.9, set.Confidence, 1e-12);
        Assert.AreEqual(0.05, set.CosinePercentile, 1e-12);
        Assert.AreEqual(BudgetSet.DefaultConfidence, BudgetSet.None.Confidence);
        Assert.AreEqual(0.0, BudgetSet.None.CosinePercentile);
        // The command line wins key by key, and a budget set without them keeps the config's.
        var merged = set.With(BudgetSet.FromText([KeyValuePair.Create("--confidence", "0.99")]));
        Assert.AreEqual(0.99, merged.Confidence, 1e-12);
        Assert.AreEqual(0.05, merged.CosinePercentile, 1e-12);
        Assert.AreEqual(0.9, set.With(BudgetSet.FromText([KeyValuePair.Create("maxFlops", "1M")])).Confidence, 1e-12);
        Assert.AreEqual(0.8, BudgetSet.FromText([KeyValuePair.Create("Confidence", "80%")]).Confidence, 1e-12, "MSBuild metadata Confidence");

        var bad = Assert.ThrowsExactly<Diagnostics.ModelOptException>(() => BudgetSet.FromText([KeyValuePair.Create("--confidence", "1.5")]));
        Assert.AreEqual(Diagnostics.ErrorCode.InvalidArgument, bad.Code);
        StringAssert.Contains(bad.Message, "--confidence");
        var badConfig = Assert.ThrowsExactly<Diagnostics.ModelOptException>(() =>
            BudgetSet.FromConfig(System.Text.Json.Nodes.JsonNode.Parse("""{ "cosinePercentile": 0.7 }""")!.AsObject(), "modelopt.json"));
        Assert.AreEqual(Diagnostics.ErrorCode.InvalidConfig, badConfig.Code);
        StringAssert.Contains(badConfig.Message, "budgets.cosinePercentile");
    }
}
