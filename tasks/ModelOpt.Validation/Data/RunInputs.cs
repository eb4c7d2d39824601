using ModelOpt.Engine.IR;

namespace ModelOpt.Validation.Data;

/// <summary>One set of inputs to run a model on, and what they are, for the checks that need one run.</summary>
public sealed record RunInputs(IReadOnlyList<TensorData> Tensors, string Description, bool Synthetic)
{
    /// <summary>
    /// The first of the user's samples when there are any (the folder given, or <c>NAME.samples/</c>
    /// beside the model): the "does it run" and speed checks run the model on what it will see.
    /// Otherwise seeded synthetic inputs of the bound shapes, integers within the tables they index.
    /// </summary>
    public static RunInputs For(Model model, string modelPath, string? dataPath, int seed)
    {
        if (UserSamples.Folder(modelPath, dataPath) is { } folder)
        {
            using var set = SampleSet.FromFolder(folder, model, limit: 1);
            return new RunInputs(set.Batches(1).First(), $"the first sample in {folder}", false);
        }
        var shapes = model.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true }).ToDictionary(v => v.Name, v => v.Shape!);
        return new RunInputs(SyntheticInputs.For(model, shapes, seed), "seeded synthetic inputs", true);
    }
}
