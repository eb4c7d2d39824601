using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;

namespace ModelOpt.Engine.Tests;

internal static class LoadFailures
{
    /// <summary>
    /// Loads <paramref name="path"/>, expecting exactly one ModelOptException that names the file
    /// and maps to exit code 3; a load that runs past the deadline fails the test instead of hanging it.
    /// </summary>
    public static ModelOptException Expect(string path)
    {
        var load = Task.Run(() => ModelLoader.Load(path));
        try
        {
            Assert.IsTrue(load.Wait(TimeSpan.FromSeconds(20)), $"loading {path} did not finish in 20 s");
        }
        catch (AggregateException e) when (e.InnerException is ModelOptException error)
        {
            Assert.AreEqual(path, error.File);
            Assert.AreEqual(ExitCodes.InvalidModel, error.ExitCode);
            Assert.IsFalse(string.IsNullOrWhiteSpace(error.Message));
            StringAssert.StartsWith(error.ToString(), $"{path}: error MOPT");
            return error;
        }
        catch (AggregateException e)
        {
            Assert.Fail($"loading {path} threw {e.InnerException?.GetType().Name} instead of ModelOptException: {e.InnerException}");
        }
        Assert.Fail($"loading {path} succeeded but should have failed");
        throw new InvalidOperationException("unreachable");
    }
}
