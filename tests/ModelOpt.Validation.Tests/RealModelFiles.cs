using ModelOpt.Engine.IR;
using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>The PP-OCR models with the input shapes the tests bind their dynamic dimensions to.</summary>
internal static class RealModelFiles
{
    public static IEnumerable<object[]> Names => RealModels.All.Select(n => new object[] { n });

    /// <summary>The model's path; when fetching it failed the test is inconclusive, or failed in CI (<see cref="Prerequisites"/>).</summary>
    public static string Require(string fileName) => Prerequisites.RealModel(fileName);

    /// <summary>Small but valid sizes: the detector needs multiples of 32, the recognizer a height of 48.</summary>
    public static Dictionary<string, TensorShape> InputShapes(string fileName) => fileName switch
    {
        RealModels.Detector => new() { ["x"] = TensorShape.Of(1, 3, 64, 64) },
        RealModels.Recognizer => new() { ["x"] = TensorShape.Of(1, 3, 48, 64) },
        _ => new() { ["x"] = TensorShape.Of(1, 3, 48, 192) },
    };
}
