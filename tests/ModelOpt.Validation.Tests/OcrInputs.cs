using ModelOpt.TestSupport;

namespace ModelOpt.Validation.Tests;

/// <summary>Text-like inputs for the PP-OCR models, at small sizes each model accepts.</summary>
internal static class OcrInputs
{
    public static IReadOnlyList<TensorData> For(string fileName)
    {
        long[] shape = fileName switch
        {
            RealModels.Detector => [1, 3, 128, 128],
            RealModels.Recognizer => [1, 3, 48, 160],
            _ => [1, 3, 48, 192],
        };
        return [TensorData.FromFloats("x", shape, TextLikeImages.Create((int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]))];
    }
}
