using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class RefitPassTests
{
    private const int CalibrationSamples = 500;

    private static string SeedModel => Path.Combine(RepoPaths.Models, "seed-cnn.onnx");

    private static IReadOnlyList<PassReport> Run(Model model, string passes, string config, SampleSet? calibration, Model? teacher = null)
    {
        var context = new PassContext("test.onnx")
        {
            Config = OptimizeConfig.Parse(config),
            Calibration = calibration is null ? null : new OrtActivationSource(calibration, batchSize: 100),
            Teacher = teacher,
        };
        return new PassPipeline(PassRegistry.Default.Parse(passes)).Run(model, context);
    }

    [TestMethod]
    public void WithoutCalibrationDataRefitIsAConfigurationError()
    {
        var model = ModelLoader.Load(SeedModel);
        var e = Assert.ThrowsExactly<ModelOptException>(() => Run(model, "separable,refit", """{ "separable": { "rank": 1 } }""", null));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, "needs calibration data");
    }

    [TestMethod]
    public void WithoutALossyPassNothingIsRefitAndBadSettingsAreConfigErrors()
    {
        var model = ModelLoader.Load(SeedModel);
        using var calibration = SampleSet.FromFolder(SampleSet.FindBeside(SeedModel)!, model, limit: 20);
        var reports = Run(model, "freeze,refit", "{}", calibration);
        Assert.IsFalse(reports[1].Changed);
        Assert.IsTrue(reports[1].Notes.Any(n => n.Contains("no layer follows a compressed one")), string.Join("\n", reports[1].Notes));

        var e = Assert.ThrowsExactly<ModelOptException>(() => Run(model, "refit", """{ "refit": { "layers": "some" } }""", calibration));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, "after-compressed");
    }

    [TestMethod]
    public void AChangedGemmIsSolvedBackToTheTeacherExactly()
    {
        // The student's Gemm (transB, alpha, beta) is scrambled; with the same inputs and no ridge,
        // least squares must find the teacher's weights and bias again.
        var t = new PassTestModels(11);
        var teacher = Model.Create(opset: 17);
        var g = teacher.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [null, 6], ["N", null]);
        var fc2 = g.CreateNode("Gemm", [x, t.Weight(g, "w2", 4, 6), t.Weight(g, "b2", 4)], name: "fc2");
        fc2.SetInt("transB", 1);
        fc2.SetFloat("alpha", 0.5f);
        fc2.SetFloat("beta", 2f);
        PassTestModels.DeclareOutput(g, fc2.Output(0));

        var student = ModelCopy.Of(teacher);
        var scrambled = student.Graph.AddInitializer(Tensor.FromFloats("w2_scrambled", [4, 6], t.Values(24)));
        student.Graph.FindNode("fc2")!.SetInput(1, scrambled);
        using var samples = SampleSet.Synthetic(teacher, count: 64, seed: 3);
        var inputs = SyntheticInputs.For(teacher, seed: 9);
        var expected = OutputComparison.Run(teacher, inputs);
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(student, inputs)) > 0.1, "the scrambled student differs");

        var report = Run(student, "refit", """{ "refit": { "layers": "all", "ridge": 0 } }""", samples, teacher).Single();

        Assert.AreEqual(1, report.NodesTouched, string.Join("\n", report.Notes));
        Assert.IsTrue(report.Notes.Any(n => n.StartsWith("fc2: refit to the teacher's")), string.Join("\n", report.Notes));
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(student, inputs)) < 1e-3);
        Assert.AreEqual(1f, student.Graph.FindNode("fc2")!.GetFloat("alpha", 0));
        Assert.AreEqual(0, scrambled.Uses.Count, "the refit weights replace the scrambled ones");
    }

    [TestMethod]
    public void AChangedStridedPaddedConvIsSolvedBackThroughIm2col()
    {
        var t = new PassTestModels(12);
        var teacher = Model.Create(opset: 17);
        var g = teacher.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [null, 3, 9, 9], ["N", null, null, null]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w", 5, 3, 3, 3)], name: "conv"); // no bias: refit adds one
        conv.SetInts("strides", [2, 1]);
        conv.SetInts("pads", [1, 0, 2, 1]);
        conv.SetInts("dilations", [1, 2]);
        PassTestModels.DeclareOutput(g, conv.Output(0));

        var student = ModelCopy.Of(teacher);
        student.Graph.FindNode("conv")!.SetInput(1, student.Graph.AddInitializer(Tensor.FromFloats("w_scrambled", [5, 3, 3, 3], t.Values(135))));
        using var samples = SampleSet.Synthetic(teacher, count: 8, seed: 4);
        var inputs = SyntheticInputs.For(teacher, seed: 10);
        var expected = OutputComparison.Run(teacher, inputs);

        var report = Run(student, "refit", """{ "refit": { "layers": "all", "ridge": 0, "maxPositionsPerSample": 20 } }""", samples, teacher).Single();

        Assert.AreEqual(1, report.NodesTouched, string.Join("\n", report.Notes));
        Assert.AreEqual(3, student.Graph.FindNode("conv")!.Inputs.Count, "a bias was added");
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(student, inputs)) < 1e-3);
    }

    [TestMethod]
    public void OnTheSeedCnnRefitAfterSeparableAndAfterPruningFc1IsNotWorseOnHeldOutDigits()
    {
        string folder = SampleSet.FindBeside(SeedModel)!;
        var original = ModelLoader.Load(SeedModel);
        var labels = LabelFile.Read(LabelFile.FindIn(folder)!);
        using var all = SampleSet.FromFolder(folder, original);
        using var calibration = SampleSet.FromFolder(folder, original, limit: CalibrationSamples);
        double Accuracy(Model m) => ClassificationAccuracy.Rate(ClassificationAccuracy.Top1Hits(m, all, labels), start: CalibrationSamples);

        // Separable at rank 1: the pointwise convs after both depthwise convs are the ones refit.
        const string separable = """{ "separable": { "rank": 1 } }""";
        var plain = ModelLoader.Load(SeedModel);
        Run(plain, "separable", separable, calibration);
        var refit = ModelLoader.Load(SeedModel);
        var reports = Run(refit, "separable,refit", separable, calibration);
        var notes = reports[1].Notes;
        Assert.AreEqual(2, reports[1].NodesTouched, string.Join("\n", notes));
        Assert.IsTrue(notes.Any(n => n.StartsWith("conv1_pointwise: refit to the teacher's 'conv1_out'")), string.Join("\n", notes));
        double plainAccuracy = Accuracy(plain), refitAccuracy = Accuracy(refit);
        Assert.IsLessThan(0.97, plainAccuracy, "rank 1 must hurt for the comparison to mean anything");
        Assert.IsGreaterThanOrEqualTo(plainAccuracy, refitAccuracy, $"separable {plainAccuracy:P2}, + refit {refitAccuracy:P2}");

        // fc1 with its smallest 70% of weights zeroed: fc2 is fitted to the teacher's logits.
        var pruned = ModelLoader.Load(SeedModel);
        ZeroSmallest(pruned, "fc1.weight", 0.7);
        double prunedAccuracy = Accuracy(pruned);
        var teacher = ModelLoader.Load(SeedModel);
        var report = Run(pruned, "refit", "{}", calibration, teacher).Single();
        Assert.AreEqual(1, report.NodesTouched, string.Join("\n", report.Notes));
        Assert.IsTrue(report.Notes.Any(n => n.StartsWith("fc2: refit to the teacher's 'logits'")), string.Join("\n", report.Notes));
        Assert.IsGreaterThanOrEqualTo(prunedAccuracy, Accuracy(pruned), $"pruned {prunedAccuracy:P2}");
    }

    [TestMethod]
    public void AfterLowRankTheSecondFactorIsRefitToTheOutputOfTheLayerItReplaced()
    {
        string folder = SampleSet.FindBeside(SeedModel)!;
        var model = ModelLoader.Load(SeedModel);
        var fc1Output = model.Graph.Nodes.Single(n => n.Name == "fc1").Output(0).Name;
        using var calibration = SampleSet.FromFolder(folder, model, limit: 200);
        var reports = Run(model, "lowrank,refit", """{ "lowrank": { "rank": 8 } }""", calibration);
        var notes = reports[1].Notes;
        Assert.IsTrue(notes.Any(n => n.StartsWith($"fc1_lowrank_b: refit to the teacher's '{fc1Output}'", StringComparison.Ordinal)), string.Join("\n", notes));
        Assert.IsFalse(notes.Any(n => n.Contains("has no value", StringComparison.Ordinal)), string.Join("\n", notes));
    }

    /// <summary>Unstructured magnitude pruning of one weight, as the prune pass would do it.</summary>
    internal static void ZeroSmallest(Model model, string weight, double fraction)
    {
        var value = model.Graph.FindValue(weight)!;
        var w = value.Initializer!.ToFloats();
        var threshold = w.Select(Math.Abs).Order().ElementAt((int)(w.Length * fraction));
        for (int i = 0; i < w.Length; i++) if (Math.Abs(w[i]) < threshold) w[i] = 0;
        var reader = value.Uses.Single();
        reader.Node.SetInput(reader.InputIndex, model.Graph.AddInitializer(Tensor.FromFloats(weight + ".pruned", value.Initializer.Dims, w)));
    }
}
