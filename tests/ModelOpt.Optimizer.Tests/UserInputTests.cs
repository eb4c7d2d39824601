using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;
using ModelOpt.Optimizer;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// What a run makes of the model and samples a user brings: open dimensions bound from the samples,
/// integer inputs within the tables they index (in synthetic inputs and in the user's samples), a
/// failure the original model shares never blamed on the rewrite, old opsets raised for quantize,
/// and a pass that cannot run reported as skipped, never as applied.
/// </summary>
[TestClass]
public sealed class UserInputTests
{
    private const int Words = 30;

    // A tiny encoder's front: token ids into a 30-row table, token types into a 2-row one, of symbolic length.
    private static string TokenModel(TempFolder temp)
    {
        var t = new PassTestModels(4);
        var model = Model.Create(opset: 13, irVersion: 7);
        var g = model.Graph;
        var ids = g.AddInput("input_ids", DataType.Int64, [null, null], ["batch", "sequence"]);
        var types = g.AddInput("token_type_ids", DataType.Int64, [null, null], ["batch", "sequence"]);
        var words = g.CreateNode("Gather", [t.Weight(g, "word_embeddings", Words, 8), ids], name: "word_gather");
        var kinds = g.CreateNode("Gather", [t.Weight(g, "token_type_embeddings", 2, 8), types], name: "type_gather");
        var sum = g.CreateNode("Add", [words.Output(0), kinds.Output(0)], name: "sum");
        var dense = g.CreateNode("MatMul", [sum.Output(0), t.Weight(g, "dense", 8, 4)], name: "dense");
        PassTestModels.DeclareOutput(g, dense.Output(0));
        string path = temp.File("encoder.onnx");
        ModelWriter.Save(model, path);
        return path;
    }

    private static string TokenSamples(TempFolder temp, int samples, int length, long badType = -1)
    {
        string folder = Directory.CreateDirectory(temp.File("samples")).FullName;
        var random = new Random(1);
        var types = Enumerable.Range(0, samples * length).Select(_ => (long)random.Next(2)).ToArray();
        if (badType >= 0) types[3 * length + 1] = badType;
        NpyFile.Write(Path.Combine(folder, "input_ids.npy"), [samples, length], Enumerable.Range(0, samples * length).Select(_ => (long)random.Next(Words)).ToArray());
        NpyFile.Write(Path.Combine(folder, "token_type_ids.npy"), [samples, length], types);
        return folder;
    }

    [TestMethod]
    public void SymbolicDimensionsAreBoundFromTheSamplesAndSaidSo()
    {
        using var temp = new TempFolder();
        string model = TokenModel(temp);

        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["freeze"], DataPath = TokenSamples(temp, 5, 6) });

        string notes = string.Join("\n", result.Notes);
        StringAssert.Contains(notes, "bound from the 5 sample(s)");
        StringAssert.Contains(notes, "'input_ids' batchxsequence as 1x6");
        Assert.IsTrue(File.Exists(result.OutputPath));
        Assert.AreEqual(5, result.Validation?.Comparison?.Samples, "validated on the user's samples");
    }

    [TestMethod]
    public void ValidateAndCheckBindSymbolicDimensionsFromTheSamplesAsOptimizeDoes()
    {
        // MiniLM's case: `validate model.onnx out.onnx --data samples` must count FLOPs without --shape.
        using var temp = new TempFolder();
        string model = TokenModel(temp);
        string samples = TokenSamples(temp, 3, 6);
        ModelOpt.Validation.Budgets.ModelUnderTest Under() => new(ModelLoader.Load(model), model, new FileInfo(model).Length, model);
        var flops = Engine.Budgets.BudgetSet.None.WithBudgets([new Engine.Budgets.Budget(Engine.Budgets.BudgetDefinition.MaxFlops, 1e9, "test")]);
        var settings = new ModelOpt.Validation.Budgets.ValidationSettings { DataPath = samples, AlwaysCompare = true, Comparison = new ModelOpt.Validation.Comparison.ComparisonSettings { LatencyRuns = 0 } };

        var validated = ModelOpt.Validation.Budgets.BudgetValidator.Validate(Under(), Under(), flops, settings);
        var checkedAlone = ModelOpt.Validation.Budgets.BudgetValidator.Check(Under(), flops, settings, latencyRuns: 1);

        foreach (var report in new[] { validated, checkedAlone })
        {
            Assert.IsTrue(report.AllKept, string.Join("\n", report.Verdicts.Select(v => v.Message())) + "\n" + string.Join("\n", report.Notes));
            Assert.IsGreaterThan(0L, report.BaselineFootprint.Flops ?? 0, "FLOPs counted at the samples' length");
            StringAssert.Contains(string.Join("\n", report.Notes), "'input_ids' batchxsequence as 1x6");
        }
        Assert.AreEqual(3, validated.Comparison?.Samples);
    }

    [TestMethod]
    public void AnIndexPastItsTableInTheUsersSamplesIsRefusedNamingTheSample()
    {
        using var temp = new TempFolder();
        string model = TokenModel(temp);
        string data = TokenSamples(temp, 5, 6, badType: 2);

        var e = Assert.ThrowsExactly<ModelOptException>(() =>
            OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["freeze"], DataPath = data }));

        Assert.AreEqual(ErrorCode.SampleValueOutOfRange, e.Code);
        Assert.AreEqual(ExitCodes.UsageError, e.Code.ExitCode());
        StringAssert.Contains(e.File, "token_type_ids.npy (sample 3)");
        StringAssert.Contains(e.Message, "holds 2");
        StringAssert.Contains(e.Message, "Gather 'type_gather'");
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
    }

    [TestMethod]
    public void SamplesOfOneInputWithDifferentShapesAreRefusedNamingTheFile()
    {
        using var temp = new TempFolder();
        string model = TokenModel(temp);
        string data = Directory.CreateDirectory(temp.File("samples")).FullName;
        foreach (var (name, length) in new[] { ("a", 6), ("b", 7) })
        {
            string sample = Directory.CreateDirectory(Path.Combine(data, name)).FullName;
            NpyFile.Write(Path.Combine(sample, "input_ids.npy"), [length], new long[length]);
            NpyFile.Write(Path.Combine(sample, "token_type_ids.npy"), [length], new long[length]);
        }

        var e = Assert.ThrowsExactly<ModelOptException>(() =>
            OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["freeze"], DataPath = data }));

        Assert.AreEqual(ErrorCode.SampleShapesDisagree, e.Code);
        Assert.AreEqual(ExitCodes.UsageError, e.Code.ExitCode());
        StringAssert.EndsWith(e.File, Path.Combine("b", "input_ids.npy"));
        StringAssert.Contains(e.Message, "has shape [7]");
    }

    [TestMethod]
    public void SyntheticIndicesStayWithinTheirTablesThroughCastsAndReshapes()
    {
        var t = new PassTestModels(5);
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var ids = g.AddInput("ids", DataType.Int32, [1, 64]);
        var mask = g.AddInput("mask", DataType.Int64, [1, 64]);
        var cast = g.CreateNode("Cast", [ids], name: "cast");
        cast.SetInt("to", (long)DataType.Int64);
        var unsqueeze = g.CreateNode("Unsqueeze", [cast.Output(0), g.AddInitializer(Tensor.FromInt64s("axes", [1], [0]))], name: "unsqueeze");
        var gather = g.CreateNode("Gather", [t.Weight(g, "table", 40, 3), unsqueeze.Output(0)], name: "embed");
        var small = g.CreateNode("Gather", [t.Weight(g, "small", 3, 3), ids], name: "small_embed");
        var maskFloat = g.CreateNode("Cast", [mask], name: "mask_float");
        maskFloat.SetInt("to", (long)DataType.Float);
        PassTestModels.DeclareOutput(g, gather.Output(0));
        PassTestModels.DeclareOutput(g, small.Output(0));
        PassTestModels.DeclareOutput(g, maskFloat.Output(0));

        var inputs = SyntheticInputs.For(model, seed: 3);

        var drawn = inputs[0].ToArray<int>();
        Assert.IsTrue(drawn.All(v => v is >= 0 and < 3), "the smallest table the input indexes bounds it");
        Assert.IsTrue(drawn.Any(v => v == 2));
        Assert.IsTrue(inputs[1].ToArray<long>().All(v => v is 0 or 1), "an integer that indexes nothing is drawn in {0, 1}");
        string described = SyntheticInputs.DescribeIntegers(model)!;
        StringAssert.Contains(described, "'ids' drawn in [0, 3) (the rows of the table Gather 'small_embed' reads)");
        StringAssert.Contains(described, "'mask' drawn in {0, 1}");
        using (var runner = OrtModelRunner.FromModel(model)) runner.Run(inputs);   // and ONNX Runtime takes them
    }

    [TestMethod]
    public void WithoutDataTheChecksRunOnIndicesTheModelAccepts()
    {
        using var temp = new TempFolder();
        string model = TokenModel(temp);

        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = temp.File("out.onnx"),
            Passes = ["freeze"],
            Shapes = ["input_ids=1x6", "token_type_ids=1x6"],
        });

        StringAssert.Contains(string.Join("\n", result.Notes), "'token_type_ids' drawn in [0, 2)");
        Assert.IsTrue(File.Exists(result.OutputPath));
    }

    [TestMethod]
    public void AFailureTheOriginalSharesIsNotBlamedOnTheRewrite()
    {
        using var temp = new TempFolder();
        var model = Model.Create(opset: 13);
        var g = model.Graph;
        var index = g.AddInput("index", DataType.Int64, [1]);
        var shifted = g.CreateNode("Add", [index, g.AddInitializer(Tensor.FromInt64s("ten", [], [10]))], name: "shift");
        var gather = g.CreateNode("Gather", [new PassTestModels(1).Weight(g, "table", 4, 2), shifted.Output(0)], name: "gather");
        PassTestModels.DeclareOutput(g, gather.Output(0));
        string path = temp.File("broken.onnx");
        ModelWriter.Save(model, path);

        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(new OptimizeOptions { ModelPath = path, OutputPath = temp.File("out.onnx"), Passes = ["freeze"] }));

        Assert.AreEqual(ErrorCode.RuntimeFailed, e.Code);
        StringAssert.Contains(e.Message, "the original model does not run in ONNX Runtime on seeded synthetic inputs either");
        StringAssert.Contains(e.Message, "--data");
        Assert.IsFalse(e.Message.Contains("rewritten by"), e.Message);
    }

    // An opset-8 CNN: Conv, Relu, Upsample (gone at 10), Conv; the mask of a Dropout is an output when asked.
    private static string Opset8Cnn(TempFolder temp, bool dropoutMask)
    {
        var t = new PassTestModels(8);
        var model = Model.Create(opset: 8, irVersion: 3);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 3, 8, 8]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w1", 8, 3, 3, 3), t.Weight(g, "b1", 8)], name: "conv1");
        conv.SetInts("pads", [1, 1, 1, 1]);
        var relu = g.CreateNode("Relu", [conv.Output(0)], name: "relu");
        var up = g.CreateNode("Upsample", [relu.Output(0)], name: "up");
        up.SetFloats("scales", [1, 1, 2, 2]);
        var dropout = g.CreateNode("Dropout", [up.Output(0)], outputCount: dropoutMask ? 2 : 1, name: "dropout");
        var conv2 = g.CreateNode("Conv", [dropout.Output(0), t.Weight(g, "w2", 4, 8, 3, 3), t.Weight(g, "b2", 4)], name: "conv2");
        PassTestModels.DeclareOutput(g, conv2.Output(0));
        if (dropoutMask) PassTestModels.DeclareOutput(g, dropout.Output(1));
        // IR 3: every initializer is also a graph input.
        var proto = new MemoryStream();
        ModelWriter.Save(model, proto);
        var message = Engine.Onnx.ModelProto.Parser.ParseFrom(proto.ToArray());
        foreach (var init in message.Graph.Initializer)
            message.Graph.Input.Add(ProtoBuilders.TensorInfo(init.Name, DataType.Float, [.. init.Dims]));
        string path = temp.File("cnn8.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(message));
        return path;
    }

    [TestMethod]
    public void QuantizeRaisesAnOpset8ModelAndQuantizesIt()
    {
        using var temp = new TempFolder();
        string model = Opset8Cnn(temp, dropoutMask: false);

        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = temp.File("out.onnx"),
            Passes = ["quantize"],
            PassSettings = """{ "quantize": { "allowSlower": true } }""",
            CalibrationSamples = 8,
        });

        var quantize = result.Passes.Single();
        StringAssert.Contains(string.Join("\n", quantize.Notes), "opset 8 raised to 13 (rewritten: 1 Dropout, 1 Upsample)");
        Assert.IsTrue(quantize.Applied);
        StringAssert.StartsWith(result.PassSummary(), "quantize");
        var written = ModelLoader.Load(result.OutputPath);
        Assert.AreEqual(13L, written.OpsetVersion());
        Assert.IsTrue(written.Graph.Nodes.Any(n => n.OpType == "QuantizeLinear"));
        Assert.IsFalse(result.Warnings.Any(w => w.Code == WarningCode.PassSkipped));
    }

    [TestMethod]
    public void AQuantizeThatCannotRaiseTheOpsetIsASkippedPassWithAWarningNeverListedAsApplied()
    {
        using var temp = new TempFolder();
        string model = Opset8Cnn(temp, dropoutMask: true);

        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["quantize"], CalibrationSamples = 8 });

        var warning = result.Warnings.Single(w => w.Code == WarningCode.PassSkipped);
        StringAssert.Contains(warning.Message, "quantize skipped: QuantizeLinear needs opset 10");
        StringAssert.Contains(warning.Message, "Dropout 'dropout'");
        Assert.IsFalse(result.Passes.Single().Applied);
        Assert.AreEqual("none applied; skipped: quantize", result.PassSummary());
        Assert.AreEqual(8L, ModelLoader.Load(result.OutputPath).OpsetVersion());
    }

    [TestMethod]
    public void ARequiredQuantizeThatCannotRunIsAnError()
    {
        using var temp = new TempFolder();
        string model = Opset8Cnn(temp, dropoutMask: true);

        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = model,
            OutputPath = temp.File("out.onnx"),
            Passes = ["quantize"],
            PassSettings = """{ "quantize": { "required": true } }""",
            CalibrationSamples = 8,
        }));

        Assert.AreEqual(ErrorCode.OpsetNotRaised, e.Code);
        Assert.AreEqual(ExitCodes.InvalidModel, e.Code.ExitCode());
        StringAssert.Contains(e.Message, "Dropout 'dropout'");
    }

    [TestMethod]
    public void AnIr3ModelWhoseWeightsAreNotInputsStillRunsAfterFreezeAddsFoldedWeights()
    {
        // The shape of CNTK's opset-8 ResNet-18: IR 3, initializers not listed as inputs; freeze
        // writes folded weights, which ONNX Runtime refused at IR 3 ("Missing: …weight_folded").
        using var temp = new TempFolder();
        var t = new PassTestModels(9);
        var model = Model.Create(opset: 8, irVersion: 3);
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 3, 6, 6]);
        var conv = g.CreateNode("Conv", [x, t.Weight(g, "w", 4, 3, 3, 3)], name: "conv");
        var bn = t.BatchNorm(g, conv.Output(0), 4, "bn");
        PassTestModels.DeclareOutput(g, bn.Output(0));
        string path = temp.File("ir3.onnx");
        ModelWriter.Save(model, path);

        var result = OptimizeJob.Run(new OptimizeOptions { ModelPath = path, OutputPath = temp.File("out.onnx"), Passes = ["freeze"] });

        StringAssert.Contains(string.Join("\n", result.Notes), "IR version 3 raised to 4");
        Assert.IsTrue(result.Passes.Single().Applied);
        Assert.AreEqual(4L, ModelLoader.Load(result.OutputPath).IrVersion);
    }
}
