using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Tests;

[TestClass]
public sealed class RuntimeShapeProviderTests
{
    [TestMethod]
    public void ObservesEveryIntermediateShapeOfTheConvFixture()
    {
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "conv_fixture.onnx", fromFile: false);
        var observed = new RuntimeShapeProvider().Observe(model, new Dictionary<string, TensorShape>());

        void Expect(string nodeName, DataType type, params long[] dims)
        {
            string value = model.Graph.FindNode(nodeName)!.Output().Name;
            Assert.IsTrue(observed.TryGetValue(value, out var seen), $"no shape observed for {value}");
            Assert.AreEqual(type, seen.Type, value);
            Assert.AreEqual(TensorShape.Of(dims), seen.Shape, value);
        }

        Expect("conv", DataType.Float, 1, 4, 8, 8);
        Expect("bn", DataType.Float, 1, 4, 8, 8);
        Expect("shape", DataType.Int64, 4);
        Expect("gather_batch", DataType.Int64);
        Expect("unsqueeze_batch", DataType.Int64, 1);
        Expect("target_shape", DataType.Int64, 2);
        Expect("flatten", DataType.Float, 1, 256);
        Expect("gemm", DataType.Float, 1, 10);
        Expect("matmul", DataType.Float, 1, 5);
        Assert.AreEqual(TensorShape.Of(1, 3, 8, 8), observed["x"].Shape);
    }

    [TestMethod]
    public void FollowsTheGivenInputShapeRatherThanTheDeclaredOne()
    {
        string source = RealModelFiles.Require(RealModels.Detector);
        var model = ModelLoader.Load(source);
        var observed = new RuntimeShapeProvider().Observe(model, new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 96, 64) });
        var output = model.Graph.Outputs[0];
        Assert.AreEqual(TensorShape.Of(1, 1, 96, 64), observed[output.Name].Shape, "the detector's map has the input's height and width");
        int observedNodes = model.Graph.Nodes.Count(n => n.Outputs.All(o => o is null || observed.ContainsKey(o.Name)));
        Assert.AreEqual(model.Graph.NodeCount, observedNodes, "every node's outputs must be observed");
    }

    [TestMethod]
    public void DoesNotChangeTheCallersModel()
    {
        var model = ModelLoader.FromProto(RoundTripFixtures.ConvBatchNormShapeChainGemm(), "conv_fixture.onnx", fromFile: false);
        int outputs = model.Graph.Outputs.Count;
        new RuntimeShapeProvider().Observe(model, new Dictionary<string, TensorShape>());
        Assert.HasCount(outputs, model.Graph.Outputs);
        Assert.HasCount(outputs, ModelWriter.ToProto(model).Graph.Output);
    }
}
