using ModelOpt.Engine.IR;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// A digit classifier the trainer can train: how to draw its initial weights, a per-worker
/// workspace that runs it forward and backward on one 28×28 image, and its ONNX export.
/// </summary>
internal interface IDigitNetwork<TParameters> where TParameters : ParameterSet
{
    /// <summary>The file stem of the model and of its samples folder (<c>NAME.onnx</c>, <c>NAME.samples/</c>).</summary>
    string Name { get; }

    /// <summary>Multiply-adds ×2 per layer, as ModelOpt's cost model counts them.</summary>
    IReadOnlyList<(string Layer, long Flops)> Flops { get; }

    /// <summary>Initial weights drawn from <paramref name="rng"/> in a fixed order.</summary>
    TParameters Initialize(Random rng);

    IDigitWorkspace<TParameters> CreateWorkspace();

    Model ToModel(TParameters parameters);
}

/// <summary>Forward and backward for one sample at a time, every buffer owned here so one workspace per worker needs no locking.</summary>
internal interface IDigitWorkspace<TParameters> where TParameters : ParameterSet
{
    /// <summary>Gradients summed over the samples passed to <see cref="Accumulate"/> since the last clear.</summary>
    TParameters Gradients { get; }

    /// <summary>Summed cross-entropy of those samples.</summary>
    double Loss { get; set; }

    ReadOnlySpan<float> Logits { get; }

    /// <summary>Runs the network on one 28×28 image; the result is in <see cref="Logits"/>.</summary>
    void Forward(TParameters p, ReadOnlySpan<float> image);

    /// <summary>Forward, loss and backward for one labeled image; adds its gradients to <see cref="Gradients"/>.</summary>
    void Accumulate(TParameters p, ReadOnlySpan<float> image, int label);
}
