using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>Which linear layers <c>refit</c> considers.</summary>
public enum RefitLayers
{
    /// <summary>The first linear layer after each compressed layer (He et al. 2017; ThiNet).</summary>
    AfterCompressed,

    /// <summary>Every linear layer whose weights or inputs differ from the teacher's.</summary>
    All,
}

/// <summary>
/// <c>"refit": { "layers": "after-compressed" | "all", "ridge": 1e-3, "maxPositionsPerSample": 64, "seed": 0 }</c>.
/// The ridge is relative: it adds <c>ridge × mean(diag XᵀX)</c> to the diagonal and pulls the
/// solution toward the layer's current weights, so few samples cannot push a layer far.
/// </summary>
public sealed record RefitSettings : ISettings
{
    public static RefitSettings Default { get; } = new();

    public RefitLayers Layers { get; init; } = RefitLayers.AfterCompressed;

    public double Ridge { get; init; } = 1e-3;

    public int MaxPositionsPerSample { get; init; } = 64;

    public int Seed { get; init; }

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (!(Ridge >= 0) || double.IsInfinity(Ridge)) yield return new("ridge", $"must be a finite number ≥ 0, got {Ridge}.");
        if (MaxPositionsPerSample < 1) yield return new("maxPositionsPerSample", $"must be a whole number ≥ 1, got {MaxPositionsPerSample}.");
        if (Seed < 0) yield return new("seed", $"must be a whole number ≥ 0, got {Seed}.");
    }
}
