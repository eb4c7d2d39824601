namespace ModelOpt.SeedTrainer;

/// <summary>Training options; the defaults are what produced the committed models.</summary>
internal sealed record TrainingOptions
{
    public int Seed { get; init; } = 20240601;
    public int Epochs { get; init; } = 16;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 2e-3f;
}
