using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Validation;
using ModelOpt.Engine.Passes.Freeze;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class FreezePassTests
{
    private static IReadOnlyList<PassReport> Freeze(Model model) =>
        new PassPipeline([new FreezePass()]).Run(model, new PassContext("test.onnx"));

    [TestMethod]
    public void FoldsBatchNormsDropsIdentityAndFusesMatMulAdd()
    {
        var t = new PassTestModels(1);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [2, 3, 10, 10]);
        var conv1 = g.CreateNode("Conv", [x, t.Weight(g, "c1.w", 8, 3, 3, 3), t.Weight(g, "c1.b", 8)], name: "conv1");
        conv1.SetInts("pads", [1, 1, 1, 1]);
        var bn1 = t.BatchNorm(g, conv1.Output(0), 8, "bn1");
        var relu = g.CreateNode("Relu", [bn1.Output(0)], name: "relu");
        var conv2 = g.CreateNode("Conv", [relu.Output(0), t.Weight(g, "c2.w", 4, 8, 3, 3)], name: "conv2"); // no bias
        conv2.SetInts("strides", [2, 2]);
        var bn2 = t.BatchNorm(g, conv2.Output(0), 4, "bn2");
        var flat = g.CreateNode("Flatten", [bn2.Output(0)], name: "flatten");
        flat.Output(0).Shape = TensorShape.Of(2, 64);
        var mm = g.CreateNode("MatMul", [flat.Output(0), t.Weight(g, "fc.w", 64, 5)], name: "fc");
        var add = g.CreateNode("Add", [mm.Output(0), t.Weight(g, "fc.b", 5)], name: "fc_bias");
        var drop = g.CreateNode("Dropout", [add.Output(0)], name: "dropout");
        var id = g.CreateNode("Identity", [drop.Output(0)], name: "identity");
        PassTestModels.DeclareOutput(g, id.Output(0));

        var inputs = SyntheticInputs.For(model, seed: 3);
        var expected = OutputComparison.Run(model, inputs);

        var report = Freeze(model).Single();

        var ops = g.Nodes.Select(n => n.OpType).ToArray();
        CollectionAssert.AreEqual(new[] { "Conv", "Relu", "Conv", "Flatten", "Gemm" }, ops);
        Assert.IsTrue(report.Changed);
        Assert.AreEqual("identity_out", g.Outputs[0].Name, "the output keeps its name");
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-5);
    }

    [TestMethod]
    public void FoldsIntoGroupedConvTransposeAndGemmWithoutTranspose()
    {
        var t = new PassTestModels(2);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 4, 5, 5]);
        var deconv = g.CreateNode("ConvTranspose", [x, t.Weight(g, "d.w", 4, 3, 2, 2), t.Weight(g, "d.b", 6)], name: "deconv");
        deconv.SetInt("group", 2);
        deconv.SetInts("strides", [2, 2]);
        var bn = t.BatchNorm(g, deconv.Output(0), 6, "bn");
        var pool = g.CreateNode("GlobalAveragePool", [bn.Output(0)], name: "gap");
        var flat = g.CreateNode("Flatten", [pool.Output(0)], name: "flatten");
        var gemm = g.CreateNode("Gemm", [flat.Output(0), t.Weight(g, "g.w", 6, 7), t.Weight(g, "g.c", 7)], name: "gemm");
        gemm.SetFloat("alpha", 0.7f);
        gemm.SetFloat("beta", 1.3f);
        var bn2 = t.BatchNorm(g, gemm.Output(0), 7, "bn_gemm");
        PassTestModels.DeclareOutput(g, bn2.Output(0));

        var inputs = SyntheticInputs.For(model, seed: 4);
        var expected = OutputComparison.Run(model, inputs);
        Freeze(model);

        Assert.IsFalse(g.Nodes.Any(n => n.OpType == "BatchNormalization"));
        Assert.IsTrue(OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)) < 1e-5);
    }

    [TestMethod]
    public void BatchNormAfterAnActivationOrWithSharedInputIsKeptWithAReason()
    {
        var t = new PassTestModels(3);
        var model = Model.Create(opset: 17);
        var g = model.Graph;
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 6, 6]);
        var relu = g.CreateNode("Relu", [x], name: "relu");
        var bn = t.BatchNorm(g, relu.Output(0), 3, "bn_after_relu");
        var conv = g.CreateNode("Conv", [bn.Output(0), t.Weight(g, "w", 3, 3, 1, 1)], name: "conv");
        var bnShared = t.BatchNorm(g, conv.Output(0), 3, "bn_shared");
        var sum = g.CreateNode("Add", [bnShared.Output(0), conv.Output(0)], name: "sum");
        PassTestModels.DeclareOutput(g, sum.Output(0));

        var inputs = SyntheticInputs.For(model, seed: 5);
        var expected = OutputComparison.Run(model, inputs);
        var report = Freeze(model).Single();

        Assert.AreEqual(2, g.Nodes.Count(n => n.OpType == "BatchNormalization"));
        Assert.IsTrue(report.Notes.Any(n => n.Contains("bn_after_relu") && n.Contains("Relu")), string.Join("\n", report.Notes));
        Assert.IsTrue(report.Notes.Any(n => n.Contains("bn_shared") && n.Contains("other readers")), string.Join("\n", report.Notes));
        Assert.AreEqual(0, OutputComparison.MaxRelativeError(expected, OutputComparison.Run(model, inputs)));
    }
}
