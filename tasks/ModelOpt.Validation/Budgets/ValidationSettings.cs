using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Budgets;

/// <summary>Where validation data comes from and how the two models are run.</summary>
public sealed record ValidationSettings
{
    public string? DataPath { get; init; }

    public string? LabelsPath { get; init; }

    /// <summary>Use at most this many samples (null: all).</summary>
    public int? SampleLimit { get; init; }

    public int Seed { get; init; }

    /// <summary>What synthetic samples look like when no data is given (the config's <c>calibration.synthetic</c>).</summary>
    public Engine.Config.SyntheticKind Synthetic { get; init; } = Engine.Config.SyntheticKind.Noise;

    public ShapeBindings Bindings { get; init; } = ShapeBindings.None;

    public ComparisonSettings Comparison { get; init; } = new();

    public OrtSessionSettings Session { get; init; } = OrtSessionSettings.Default;

    /// <summary>Which part of the samples to judge on: the search chooses on one part, its result is confirmed on the other.</summary>
    public Data.SamplePart Part { get; init; } = Data.SamplePart.All;

    /// <summary>How many of the search's samples calibration took (<see cref="Data.SampleSplit"/>): the search part leaves them out.</summary>
    public int CalibrationSamples { get; init; }

    /// <summary>Upper bound on what a batch of both models' activations may hold; the comparison's batch size is chosen under it.</summary>
    public long MemoryCapBytes { get; init; } = Engine.Config.RuntimeConfig.DefaultMemoryCapBytes;

    /// <summary>Compare outputs and latency even when no budget needs them (the <c>validate</c> command does).</summary>
    public bool AlwaysCompare { get; init; }
}
