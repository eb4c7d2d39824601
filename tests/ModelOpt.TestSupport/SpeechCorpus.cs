namespace ModelOpt.TestSupport;

/// <summary>
/// The speech corpus (eng/fetch-models.sh, docs/benchmarks.md) and how each model is run: the
/// values its non-data inputs are bound to, the state it carries, the real audio frames it is
/// calibrated and validated on (eng/make-speech-samples.sh), and the passes that fit it.
/// </summary>
public sealed record SpeechModel(
    string File,
    string Description,
    IReadOnlyList<string> Shapes,
    IReadOnlyList<string> Values,
    IReadOnlyList<string> State,
    string? DataFolder)
{
    public string? DataPath => DataFolder is null ? null : Path.Combine(RepoPaths.TestAssets, "speech", DataFolder);

    public override string ToString() => File;
}

public static class SpeechCorpus
{
    private static readonly string[] V5Shapes = ["input=1x512", "state=2x1x128"];
    private static readonly string[] V5Values = ["sr=16000", "state=zeros"];

    public static IReadOnlyList<SpeechModel> All { get; } =
    [
        new("silero_vad_legacy.onnx", "Silero VAD (legacy), 1536-sample frames, h/c LSTM state",
            ["input=1x1536", "h=2x1x64", "c=2x1x64"], ["sr=16000", "h=zeros", "c=zeros"], ["hn=h", "cn=c"], "silero-1536"),
        new("silero_vad_v5.onnx", "Silero VAD v5, 512-sample frames, state [2,1,128]", V5Shapes, V5Values, ["stateN=state"], "silero-512"),
        new("silero_vad_v6.onnx", "Silero VAD v6, 512-sample frames, state [2,1,128]", V5Shapes, V5Values, ["stateN=state"], "silero-512"),
        // openWakeWord classifiers take 25 embedding vectors from openWakeWord's embedding model,
        // which the npm package does not ship: they are run on seeded synthetic features.
        new("hello_deepa.onnx", "openWakeWord classifier 'hello deepa', 25×96 embedding features", [], [], [], null),
        new("namaste_deepa.onnx", "openWakeWord classifier 'namaste deepa', 25×96 embedding features", [], [], [], null),
    ];

    public static IEnumerable<object[]> Names => All.Select(m => new object[] { m.File });

    public static SpeechModel Get(string file) => All.Single(m => m.File == file);
}
