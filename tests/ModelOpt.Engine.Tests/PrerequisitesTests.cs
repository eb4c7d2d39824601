using ModelOpt.TestSupport;

namespace ModelOpt.Engine.Tests;

/// <summary>The rule for missing prerequisites: inconclusive on a developer's machine, a failure in CI.</summary>
[TestClass]
public sealed class PrerequisitesTests
{
    [TestMethod]
    [DataRow("true", true)]
    [DataRow("TRUE", true)]
    [DataRow("1", true)]
    [DataRow("false", false)]
    [DataRow(null, false)]
    public void MissingFailsInCiAndIsInconclusiveElsewhere(string? ci, bool fails)
    {
        string? saved = Environment.GetEnvironmentVariable("CI");
        try
        {
            Environment.SetEnvironmentVariable("CI", ci);
            var e = Prerequisites.Missing("the real model x.onnx", "npm unreachable");
            Assert.AreEqual(fails ? typeof(AssertFailedException) : typeof(AssertInconclusiveException), e.GetType());
            StringAssert.Contains(e.Message, "x.onnx");
            StringAssert.Contains(e.Message, "npm unreachable");
        }
        finally
        {
            Environment.SetEnvironmentVariable("CI", saved);
        }
    }

    [TestMethod]
    public void AProgramThatIsThereIsReturned()
    {
        string self = typeof(PrerequisitesTests).Assembly.Location;
        Assert.AreEqual(self, Prerequisites.Program(self, "n/a"));
    }
}
