
namespace ModelOpt.TestSupport;

/// <summary>
/// A model of the corpus eng/fetch-corpus.sh builds: <c>.cache/corpus/NAME/model.onnx</c> with its
/// real samples in <c>samples/</c> (one .npy per sample, or one folder per sample for a
/// multi-input model). <see cref="Shapes"/> are the input shapes its samples have, for the
/// analysis of a model whose inputs have symbolic dimensions.
/// </summary>
public sealed record CorpusModel(string Name, string Family, IReadOnlyList<string> Shapes)
{
    public string Folder => Path.Combine(RepoPaths.Cache, "corpus", Name);

    public string ModelPath => Path.Combine(Folder, "model.onnx");

    public string SamplesPath => Path.Combine(Folder, "samples");

    public override string ToString() => Name;
}

/// <summary>
/// The corpus of real models from families the speech and OCR models do not cover (docs/benchmarks.md,
/// "Corpus"). The first use runs eng/fetch-corpus.sh when a folder is missing (eng/test.sh has
/// run it before CI's tests); a model still missing then stops the test under <see cref="Prerequisites"/>.
/// </summary>
public static class ModelCorpus
{
    private static readonly string[] TokenShapes = ["input_ids=1x64", "attention_mask=1x64", "token_type_ids=1x64"];

    public static IReadOnlyList<CorpusModel> All { get; } =
    [
        new("resnet18-opset8", "old-opset CNN (CNTK ResNet-18, opset 8), 512-d features", []),
        new("minilm-l6", "transformer sentence encoder (all-MiniLM-L6-v2), int64 inputs of symbolic length", TokenShapes),
        new("mlsd-tiny-512", "NHWC dense predictor (M-LSD tiny line segments, 512²)", []),
        new("blazeface-back-256", "tiny face detector, NHWC (BlazeFace back camera, 256²)", []),
        new("blazeface-front-128", "tiny face detector, NHWC (BlazeFace front camera, 128²)", []),
    ];

    public static IEnumerable<object[]> Names => All.Select(m => new object[] { m.Name });

    private static readonly Lazy<string?> FetchFailure = new(Fetch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The model, fetched if need be, or the test stops: inconclusive on a developer's machine, failed in CI.</summary>
    public static CorpusModel Require(string name)
    {
        var model = All.Single(m => m.Name == name);
        if (Present(model)) return model;
        string reason = FetchFailure.Value ?? $"{model.Folder} is incomplete after eng/fetch-corpus.sh reported success";
        if (Present(model)) return model;
        throw Prerequisites.Missing($"the corpus model {name} (eng/fetch-corpus.sh)", reason);
    }

    private static bool Present(CorpusModel m) =>
        File.Exists(m.ModelPath) && Directory.Exists(m.SamplesPath) && Directory.EnumerateFileSystemEntries(m.SamplesPath).Any();

    private static string? Fetch() => All.All(Present) ? null : FetchScript.Run("fetch-corpus.sh", TimeSpan.FromMinutes(10));
}
