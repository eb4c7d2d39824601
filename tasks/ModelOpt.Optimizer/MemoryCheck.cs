using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Data;

namespace ModelOpt.Optimizer;

/// <summary>
/// Refuses a run whose validation cannot fit under the memory cap before any pass runs, instead of
/// after minutes of calibration: the rewritten model is not known yet, so the original stands in for
/// it (a rewrite keeps the activations' shapes; int8 and float16 make them smaller). Batches are
/// reduced down to one sample before this refuses; only a run that one sample cannot fit stops here.
/// </summary>
public static class MemoryCheck
{
    public static void BeforeAnyPass(Model original, string modelPath, ValidationSettings validation)
    {
        IReadOnlyDictionary<string, long[]> shapes;
        try
        {
            using var opened = SampleSource.Open(original, modelPath, validation.DataPath, validation.LabelsPath, validation.SampleLimit, validation.Seed, synthetic: validation.Synthetic);
            shapes = opened.Samples.SampleShapes();
        }
        catch (ModelOptException)
        {
            // Samples that cannot be opened are reported where they are read, with their own error.
            return;
        }
        // The original twice, sized once.
        var one = ActivationMemory.Of(shapes, arena: true, (original, []));
        var estimate = one + new MemoryEstimate(one.FixedBytes - MemoryModel.ProcessBytes, one.PerSample);
        if (estimate.For(1) > validation.MemoryCapBytes)
            throw ActivationMemory.TooSmall(validation.MemoryCapBytes, estimate, modelPath, "validation (the original and the rewritten model side by side; checked before any pass runs)");
    }
}
