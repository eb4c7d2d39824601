using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Optimizer.Search;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The output probe: segments in graph order, each layer's harm scaled by its segment's measured
/// gain; its saving stays the cost model's, or none where the segment saved no time.
/// </summary>
[TestClass]
public sealed class PropagationProbeTests
{
    // A chain of n convs named c0…c(n−1), each with an int8 knob whose own harm and cost are given.
    private static (Model Model, List<KnobProfile> Knobs) Chain(int n, Func<int, double> harm, Func<int, double> cost)
    {
        var model = Model.Create();
        var graph = model.Graph;
        var x = graph.AddInput("x", Engine.Onnx.TensorProto.Types.DataType.Float, [1, 4]);
        var knobs = new List<KnobProfile>();
        for (int i = 0; i < n; i++)
        {
            x = graph.CreateNode("Relu", [x], name: $"c{i}").Output();
            var knob = new LayerKnob($"c{i}", "quantize", [new KnobSetting("int8", [], new LocalChange.Quantized(8, 8, true))]);
            knobs.Add(new KnobProfile(knob, KnobSaving.Time, 0, cost(i), [new StepProfile("int8", harm(i), cost(i))]));
        }
        graph.AddOutput(x);
        // Listed out of graph order: the probe orders them itself.
        knobs.Reverse();
        return (model, knobs);
    }

    [TestMethod]
    public void SegmentsAreContiguousInGraphOrderAndTooFewKnobsGiveNone()
    {
        var (model, knobs) = Chain(17, _ => 1e-3, _ => 1);
        var segments = PropagationProbe.Segments(knobs, model);
        Assert.AreEqual(4, segments.Count);
        var flat = segments.SelectMany(s => s).Select(k => k.Knob.Node).ToList();
        CollectionAssert.AreEqual(Enumerable.Range(0, 17).Select(i => $"c{i}").ToList(), flat);
        Assert.IsTrue(segments.All(s => s.Count is 4 or 5));

        var (small, few) = Chain(7, _ => 1e-3, _ => 1);
        Assert.IsEmpty(PropagationProbe.Segments(few, small));
    }

    [TestMethod]
    public void AnAmplifyingSegmentOutranksAQuieterOneAndASegmentThatSavesNoTimeRanksLast()
    {
        // Equal local harm and cost everywhere: by the profile alone the order is arbitrary.
        var (model, knobs) = Chain(12, _ => 1e-3, _ => 10);
        var profile = ProfileOf(knobs);
        var segments = PropagationProbe.Segments(profile.Knobs, model);
        Assert.AreEqual(3, segments.Count);
        // Segment 0: its error grows tenfold to the output but it saves time; segment 1 saves no
        // time; segment 2 is quiet and saves time.
        var measured = PropagationProbe.Measure(segments, (_, s) => s switch
        {
            0 => new PropagationProbe.Measurement(4e-2, 0.010),
            1 => new PropagationProbe.Measurement(1e-4, -0.001),
            _ => new PropagationProbe.Measurement(1e-4, 0.010),
        });
        Assert.AreEqual(10, measured[0].Gain, 1e-9);
        var ranked = PropagationProbe.Apply(profile, measured).Ranked(KnobSaving.Time).Select(m => m.Knob.Knob.Node).ToList();
        CollectionAssert.AreEquivalent(new[] { "c8", "c9", "c10", "c11" }, ranked.Take(4).ToList());
        CollectionAssert.AreEquivalent(new[] { "c0", "c1", "c2", "c3" }, ranked.Skip(4).Take(4).ToList());
        CollectionAssert.AreEquivalent(new[] { "c4", "c5", "c6", "c7" }, ranked.Skip(8).ToList());
        // A layer of a segment that saved time keeps the cost model's saving: how much the clock measured
        // moves from run to run, and the ranking must not.
        var applied = PropagationProbe.Apply(profile, measured);
        Assert.AreEqual(10, applied.Knobs.Single(k => k.Knob.Node == "c9").Steps[0].Saving, 1e-12);
        Assert.AreEqual(0, applied.Knobs.Single(k => k.Knob.Node == "c5").Steps[0].Saving, 1e-12);
        Assert.AreEqual(1e-2, applied.Knobs.Single(k => k.Knob.Node == "c1").Steps[0].Harm, 1e-12);
        // The segment that saved no time is not offered at all, however much room the budget has.
        var offered = PropagationProbe.WithoutTimeLost(applied.Ranked(KnobSaving.Time)).Select(m => m.Knob.Knob.Node).ToList();
        CollectionAssert.AreEquivalent(ranked.Take(8).ToList(), offered);
    }

    [TestMethod]
    public void TheRankingIsTheSameWhateverTimeTheSavingSegmentsMeasured()
    {
        // Two runs of the same command: the clock gives each segment a different saving (all above zero).
        var (model, knobs) = Chain(12, i => 1e-3 * (1 + i % 5), i => 5 + i % 3);
        var profile = ProfileOf(knobs);
        var segments = PropagationProbe.Segments(profile.Knobs, model);
        List<string> Ranked(double[] savings) => PropagationProbe.Apply(profile,
                PropagationProbe.Measure(segments, (_, s) => new PropagationProbe.Measurement(1e-3 * (s + 1), savings[s])))
            .Ranked(KnobSaving.Time).Select(m => m.Knob.Knob.Node).ToList();
        CollectionAssert.AreEqual(Ranked([0.012, 0.004, 0.009]), Ranked([0.003, 0.015, 0.010]));
    }

    [TestMethod]
    public void ASegmentWhoseInt8AloneBreaksTheBudgetsGoesToTheEndOfTheListInItsOwnOrder()
    {
        // By harm per saving the first segment's layers rank among the mildest.
        var (model, knobs) = Chain(12, i => i < 4 ? 1e-4 * (i + 1) : 1e-3 * i, _ => 10);
        var profile = ProfileOf(knobs);
        var segments = PropagationProbe.Segments(profile.Knobs, model);
        IReadOnlyList<PropagationProbe.Segment> Probed(params bool[] kept) =>
            PropagationProbe.Measure(segments, (_, s) => new PropagationProbe.Measurement(kept[s] ? 1e-3 : 3e-2, 0.01, kept[s]));
        var ranked = profile.Ranked(KnobSaving.Time);
        Assert.AreEqual("c0", ranked[0].Knob.Knob.Node);

        var ordered = PropagationProbe.RiskyLast(ranked, Probed(false, true, true)).Select(m => m.Knob.Knob.Node).ToList();
        CollectionAssert.AreEqual(new[] { "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c0", "c1", "c2", "c3" }, ordered);
        // Nothing to tell apart: every segment broke alone, or none did.
        CollectionAssert.AreEqual(ranked.ToList(), PropagationProbe.RiskyLast(ranked, Probed(false, false, false)));
        CollectionAssert.AreEqual(ranked.ToList(), PropagationProbe.RiskyLast(ranked, Probed(true, true, true)));
        StringAssert.Contains(Probed(false, true, true)[0].Describe(), "breaks the output budgets alone");
    }

    [TestMethod]
    public void WithoutLatencyTheCostModelSavingStaysAndSilentLayersShareTheOutputError()
    {
        var (model, knobs) = Chain(8, i => i < 4 ? 0 : 1e-3, _ => 10);
        var profile = ProfileOf(knobs);
        var measured = PropagationProbe.Measure(PropagationProbe.Segments(profile.Knobs, model), (_, s) => new PropagationProbe.Measurement(s == 0 ? 2e-3 : 1e-3, null));
        var applied = PropagationProbe.Apply(profile, measured);
        // Segment 0's layers measured no error of their own, yet their output moved: 2e-3 shared by 4.
        Assert.AreEqual(5e-4, applied.Knobs.Single(k => k.Knob.Node == "c0").Steps[0].Harm, 1e-12);
        Assert.AreEqual(1e-3 * (1e-3 / 4e-3), applied.Knobs.Single(k => k.Knob.Node == "c5").Steps[0].Harm, 1e-12);
        Assert.IsTrue(applied.Knobs.All(k => k.Steps[0].Saving == 10));
    }

    [TestMethod]
    [DataRow(0, 3)]
    [DataRow(36, 3)]
    [DataRow(5, 1)]
    public void TheProbesLimitLeavesExactlyTheSamplesAskedForAfterCalibration(int calibration, int judged)
    {
        int limit = ModelOpt.Validation.Data.SampleSplit.LimitFor(calibration, judged);
        int judging = Enumerable.Range(0, limit).Count(i => ModelOpt.Validation.Data.SampleSplit.InPart(i, ModelOpt.Validation.Data.SamplePart.Search, calibration));
        Assert.AreEqual(judged, judging);
        Assert.IsTrue(ModelOpt.Validation.Data.SampleSplit.InPart(limit - 1, ModelOpt.Validation.Data.SamplePart.Search, calibration), "no sample past the last one judged");
    }

    private static SensitivityProfile ProfileOf(IReadOnlyList<KnobProfile> knobs) => SensitivityProfile.From(knobs, 1, "test");
}

/// <summary>Top-1 agreement counts positions where the output has them: frames of [N, T, C], pixels of [N, C, H, W].</summary>
[TestClass]
public sealed class AgreementPositionTests
{
    [TestMethod]
    public void ASequenceOfClassScoresAgreesFrameByFrame()
    {
        // [1, 3, 2]: frames (0.9, 0.1), (0.2, 0.8), (0.6, 0.4) → classes 0, 1, 0.
        double[] values = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4];
        CollectionAssert.AreEqual(new[] { 0, 1, 0 }, ModelOpt.Validation.Comparison.OutputValues.Top1(values, [1, 3, 2], 1));
    }

    [TestMethod]
    public void AMapOfClassScoresAgreesPixelByPixelAcrossTheChannelAxis()
    {
        // [1, 2, 1, 3]: channel 0 = (1, 5, 2), channel 1 = (3, 4, 9) → pixels pick 1, 0, 1.
        double[] values = [1, 5, 2, 3, 4, 9];
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, ModelOpt.Validation.Comparison.OutputValues.Top1(values, [1, 2, 1, 3], 1));
        // One channel with no threshold given: no class axis, the sample's largest element.
        CollectionAssert.AreEqual(new[] { 5 }, ModelOpt.Validation.Comparison.OutputValues.Top1(values, [1, 1, 2, 3], 1));
        // A classifier [N, C]: one position per sample.
        CollectionAssert.AreEqual(new[] { 1, 2 }, ModelOpt.Validation.Comparison.OutputValues.Top1([0, 1, 0, 0, 0, 7], [2, 3], 2));
    }

    [TestMethod]
    public void AOneChannelMaskAgreesPixelByPixelOnEachSideOfItsThreshold()
    {
        // A sigmoid mask [2, 1, 1, 3]: every value in [0, 1], so pixels split at 0.5.
        double[] original = [0.1, 0.6, 0.9, 0.0, 0.4, 0.51];
        double[] candidate = [0.2, 0.4, 0.95, 0.0, 0.45, 0.52];
        double t = ModelOpt.Validation.Comparison.OutputValues.MaskThreshold(original);
        Assert.AreEqual(0.5, t);
        var a = ModelOpt.Validation.Comparison.OutputValues.Top1(original, [2, 1, 1, 3], 2, t);
        var b = ModelOpt.Validation.Comparison.OutputValues.Top1(candidate, [2, 1, 1, 3], 2, t);
        CollectionAssert.AreEqual(new[] { 0, 1, 1, 0, 0, 1 }, a);
        // Six pixels, one moved across 0.5 (0.6 → 0.4): five agree. The argmax pixel per sample would move in neither.
        Assert.AreEqual(5, a.Zip(b).Count(p => p.First == p.Second));
        // Logits (values outside [0, 1]) split at 0.
        Assert.AreEqual(0, ModelOpt.Validation.Comparison.OutputValues.MaskThreshold([-2.0, 0.3, 3.5]));
        CollectionAssert.AreEqual(new[] { 0, 1, 1 }, ModelOpt.Validation.Comparison.OutputValues.Top1([-2.0, 0.3, 3.5], [1, 1, 1, 3], 1, 0));
    }
}
