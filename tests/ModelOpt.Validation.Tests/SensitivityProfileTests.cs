using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.LowRank;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Passes.Separable;

namespace ModelOpt.Validation.Tests;

/// <summary>The sensitivity profile on the trained seed CNN and its digits: one calibration pass, every knob's local error.</summary>
[TestClass]
public sealed class SensitivityProfileTests
{
    private static string Seed => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static SensitivityProfile Profile(params IKnobProvider[] passes)
    {
        var model = ModelLoader.Load(Seed);
        var sets = passes.Select(p =>
        {
            var copy = ModelCopy.Of(model);
            return new SensitivityProfile.KnobSet(p.Saves, copy, p.Knobs(copy, new PassContext(Seed)));
        }).ToList();
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(Seed)!, model, limit: 64);
        return SensitivityProfile.Measure(sets, new OrtActivationSource(samples, batchSize: 64));
    }

    [TestMethod]
    public void MilderSettingsHarmLessAndSaveLessOnEveryLayer()
    {
        var profile = Profile(new SeparablePass(), new LowRankPass(), new PrunePass());
        CollectionAssert.AreEquivalent(new[] { "conv1 by prune", "conv2 by prune", "conv1 by separable", "conv2 by separable", "fc1 by lowrank", "fc2 by lowrank" },
            profile.Knobs.Select(k => k.Knob.Key).ToArray());
        foreach (var knob in profile.Knobs)
        {
            Assert.IsTrue(knob.Measured, knob.Knob.Key);
            for (int s = 1; s < knob.Steps.Count; s++)
            {
                Assert.IsGreaterThan(knob.Steps[s - 1].Saving, knob.Steps[s].Saving, $"{knob.Knob.Key} {knob.Steps[s].Label}");
                // An SVD truncation (or more channels gone) never reconstructs better.
                Assert.IsGreaterThanOrEqualTo(knob.Steps[s - 1].Harm - 1e-9, knob.Steps[s].Harm, $"{knob.Knob.Key} {knob.Steps[s].Label}");
            }
            Assert.IsTrue(knob.Steps.All(s => s.Harm is >= 0 and <= 1.0001), knob.Knob.Key);
        }
        // fc1 holds 70 % of the MACs: its rank-96 setting saves more than all of conv1.
        var fc1 = profile.Knobs.Single(k => k.Knob.Key == "fc1 by lowrank");
        Assert.AreEqual(2880L * 128, fc1.MacsPerSample);
    }

    [TestMethod]
    public void Int8ErrorsAreSmallAndTheRankingPutsEveryKnobStepAfterTheStepBeforeIt()
    {
        var profile = Profile(new QuantizePass(), new SeparablePass());
        var int8 = profile.Knobs.Where(k => k.Saves == KnobSaving.Time).ToList();
        CollectionAssert.AreEqual(new[] { "conv1", "conv2", "fc1", "fc2" }, int8.Select(k => k.Knob.Node).ToArray());
        // 8-bit grids: 1/SQNR around 1e-4 (≈ 40 dB), far from a rank cut's error.
        Assert.IsTrue(int8.All(k => k.Steps[0].Harm is > 1e-7 and < 1e-2), string.Join(", ", int8.Select(k => k.Steps[0].Harm)));

        var ranked = profile.Ranked(KnobSaving.Macs);
        foreach (var group in ranked.Select((m, i) => (m, i)).GroupBy(x => x.m.Knob.Knob.Key))
            CollectionAssert.AreEqual(group.Select(x => x.m.Step).ToArray(), group.Select(x => x.m.Step).Order().ToArray(), group.Key);
        for (int i = 1; i < ranked.Count; i++) Assert.IsGreaterThanOrEqualTo(ranked[i - 1].HarmPerSaving, ranked[i].HarmPerSaving);
    }

    [TestMethod]
    [DataRow(0, 0, 0)]
    [DataRow(2, 2, 0)]
    [DataRow(3, 2, 1)]
    [DataRow(2000, 1334, 666)]
    public void EveryThirdSampleIsHeldOutAndThePartsCoverTheSamplesOnce(int total, int search, int confirmation)
    {
        Assert.AreEqual((search, confirmation), SampleSplit.Counts(total));
        var inSearch = Enumerable.Range(0, total).Where(i => SampleSplit.InPart(i, SamplePart.Search)).ToList();
        var inConfirmation = Enumerable.Range(0, total).Where(i => SampleSplit.InPart(i, SamplePart.Confirmation)).ToList();
        Assert.AreEqual(search, inSearch.Count);
        Assert.AreEqual(confirmation, inConfirmation.Count);
        Assert.IsEmpty(inSearch.Intersect(inConfirmation));
    }

    [TestMethod]
    public void ARestrictedSampleSetYieldsOnlyItsPartAndSaysSo()
    {
        var model = ModelLoader.Load(Seed);
        using var samples = SampleSet.FromFolder(SampleSet.FindBeside(Seed)!, model, limit: 9);
        var firstOfEach = samples.Batches(1).Select(b => b[0].Bytes.ToArray()).ToList();
        samples.Restrict(i => SampleSplit.InPart(i, SamplePart.Confirmation), "held out");
        var kept = samples.Batches(1).Select(b => b[0].Bytes.ToArray()).ToList();
        Assert.AreEqual(3, samples.Count);
        CollectionAssert.AreEqual(firstOfEach[2], kept[0]);
        CollectionAssert.AreEqual(firstOfEach[8], kept[2]);
        StringAssert.Contains(samples.Description, "3 of 9 samples");
    }
}
