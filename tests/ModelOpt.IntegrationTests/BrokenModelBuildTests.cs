namespace ModelOpt.IntegrationTests;

/// <summary>
/// testassets/projects/BrokenModel lists a model file that is not ONNX: the build must fail with the
/// MOPT code on that model's path, the way compilers report an error in a source file.
/// </summary>
[TestClass]
public sealed class BrokenModelBuildTests
{
    [TestMethod]
    public void BuildFailsWithTheErrorCodeOnTheModelPath()
    {
        using var project = new ConsumerProject("BrokenModel", LocalFeed.Current);
        string model = project.PathOf("Models/broken.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        File.WriteAllBytes(model, Enumerable.Range(0, 300).Select(i => (byte)(i * 37 + 11)).ToArray());

        var build = project.Run("build");

        Assert.AreNotEqual(0, build.ExitCode, build.Describe());
        StringAssert.Contains(build.Output, $"{model} : ModelOpt error MOPT1003: not an ONNX model", build.Describe());
        Assert.IsFalse(File.Exists(project.PathOf("bin/Debug/net10.0/Models/broken.onnx")), "a failed model must not reach the output");
    }
}
