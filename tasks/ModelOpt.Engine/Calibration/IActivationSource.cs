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
    /// yields, for each batch, the named values: graph inputs, node outputs or graph outputs. Batches
    /// follow the samples' order, but their size may depend on the model and the values asked for
    /// (memory): to pair a teacher's values with a student's, use <see cref="StreamTogether"/>.
    /// A batch is valid until the next one is asked for (an implementation may empty it then, so
    /// that only one batch is ever in memory): fold it into statistics, do not keep it.
    /// </summary>
    IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames);

    /// <summary>
    /// Several models over the same samples side by side (a teacher and a student): each item
    /// holds, in <paramref name="streams"/>' order, the values of every model on the same batch.
    /// An implementation that sizes batches by memory sizes them for all the models together;
    /// by default the streams are read in step, which pairs them when batches do not depend on the model.
    /// </summary>
    IEnumerable<IReadOnlyList<IReadOnlyDictionary<string, Tensor>>> StreamTogether(IReadOnlyList<(Model Model, IReadOnlyCollection<string> Values)> streams)
    {
        var enumerators = streams.Select(s => Stream(s.Model, s.Values).GetEnumerator()).ToList();
        try
        {
            while (enumerators.All(e => e.MoveNext()))
                yield return enumerators.Select(e => e.Current).ToList();
        }
        finally
        {
            foreach (var e in enumerators) e.Dispose();
        }
    }
}
