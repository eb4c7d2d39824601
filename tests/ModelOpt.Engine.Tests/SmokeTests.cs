namespace ModelOpt.Engine.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void ProtoTypesExist() => Assert.AreEqual("onnx.ModelProto", ModelOpt.Engine.Onnx.ModelProto.Descriptor.FullName);
}
