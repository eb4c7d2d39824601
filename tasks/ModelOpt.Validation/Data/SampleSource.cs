using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Validation.Data;

/// <summary>Samples and labels to validate on, and a line saying where they came from.</summary>
public sealed record OpenedSamples(SampleSet Samples, long[]? Labels, string Note) : IDisposable
{
    public void Dispose() => Samples.Dispose();
}

/// <summary>
/// Picks the validation data: <c>--data</c>/<c>--labels</c> when given; else the folder
/// <c>NAME.samples/</c> beside the model (its inputs and <c>labels.*</c>); else seeded synthetic
/// samples, which only check fidelity (agreement and error against the original), never accuracy.
/// </summary>
public static class SampleSource
{
    public const int DefaultSyntheticSamples = 64;

    public static OpenedSamples Open(Model model, string modelPath, string? dataPath, string? labelsPath, int? limit = null, int seed = 0,
        int syntheticSamples = DefaultSyntheticSamples, SyntheticKind synthetic = SyntheticKind.Noise, SamplePart part = SamplePart.All, int calibration = 0)
    {
        var opened = OpenAll(model, modelPath, dataPath, labelsPath, limit, seed, syntheticSamples, synthetic);
        if (part == SamplePart.All) return opened;
        int total = opened.Samples.Count;
        string name = part switch
        {
            SamplePart.Search => calibration > 0 ? "the search part, less the samples calibration took" : "the search part",
            SamplePart.Calibration => "the calibration part",
            _ => "the confirmation part, unseen by the search",
        };
        opened.Samples.Restrict(i => SampleSplit.InPart(i, part, calibration), name);
        var labels = opened.Labels?.Where((_, i) => i < total && SampleSplit.InPart(i, part, calibration)).ToArray();
        string which = part == SamplePart.Confirmation
            ? $"the confirmation part: {opened.Samples.Count} of {total} samples, which the search never saw"
            : $"{name}: {opened.Samples.Count} of {total} samples";
        return new OpenedSamples(opened.Samples, labels, $"{opened.Note} Judged on {which}.");
    }

    private static OpenedSamples OpenAll(Model model, string modelPath, string? dataPath, string? labelsPath, int? limit, int seed,
        int syntheticSamples, SyntheticKind synthetic)
    {
        string? folder = dataPath;
        string note;
        if (folder is not null) note = $"validation data: {folder}";
        else if (SampleSet.FindBeside(modelPath) is { } beside)
        {
            folder = beside;
            note = $"validation data: using the samples beside the model in {beside}";
        }
        else note = "";

        if (folder is null)
        {
            if (labelsPath is not null)
                throw new ModelOptException(ErrorCode.InvalidArgument, labelsPath, $"{OptionNames.Labels.Name} needs {OptionNames.Data.Name}: labels belong to real samples, not to synthetic ones.");
            var shapes = model.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true }).ToDictionary(v => v.Name, v => v.Shape!);
            int count = limit ?? syntheticSamples;
            var generated = synthetic == SyntheticKind.Pages ? SampleSet.SyntheticDocuments(model, count, seed, shapes) : SampleSet.Synthetic(model, count, seed, shapes);
            return new OpenedSamples(generated, null, $"validation data: no data given, using {generated.Count} seeded synthetic {(synthetic == SyntheticKind.Pages ? "page images" : "samples")} — a fidelity check only (agreement and error against the original, not accuracy); give {OptionNames.Data.With()} {OptionNames.Labels.With()} for accuracy.");
        }

        var samples = SampleSet.FromFolder(folder, model, limit);
        try
        {
            string? labelFile = labelsPath ?? LabelFile.FindIn(folder);
            long[]? labels = labelFile is null ? null : LabelFile.Read(labelFile);
            if (labels is not null && labels.Length < samples.Count)
                throw new ModelOptException(ErrorCode.DataFileInvalid, labelFile, $"holds {labels.Length} labels for {samples.Count} samples.");
            return new OpenedSamples(samples, labels, $"{note} ({samples.Count} samples{(labels is null ? ", no labels" : $", labels from {Path.GetFileName(labelFile)}")}).");
        }
        catch
        {
            samples.Dispose();
            throw;
        }
    }
}
