using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Calibration;

/// <summary>
/// Calibration data as passes see it: the values a model computes on the calibration samples,
/// streamed batch by batch so memory stays bounded whatever the number of samples. Implemented by
/// ModelOpt.Validation over ONNX Runtime; the engine only consumes it.
/// </summary>
public interface IActivationSource
{
    /// <summary>Where the samples come from, for reports ("64 samples from calib/", "32 synthetic samples").</summary>
    string Description { get; }

    /// <summary>True when the samples are seeded random inputs rather than real data (reports warn).</summary>
    bool IsSynthetic { get; }

    int SampleCount { get; }

    /// <summary>
    /// Runs <paramref name="model"/> (the original, or a partly rewritten copy) over the samples and
    /// yields, for each batch, the named values: graph inputs, node outputs or graph outputs. Every
    /// batch holds the same samples in the same order for any model given, so values of a teacher
    /// and a student can be paired batch by batch.
    /// </summary>
    IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames);
}
