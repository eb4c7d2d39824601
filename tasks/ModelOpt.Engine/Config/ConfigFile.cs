using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ModelOpt.Engine.Config;

/// <summary>
/// The top-level sections of modelopt.json other than the passes' own (which are keyed by pass
/// name and typed by each pass: <see cref="Passes.IPass.SettingsType"/>). A new section is a
/// property here whose type is an <see cref="ISettings"/> record; it is then bound, checked and
/// reported like the others, and <see cref="OptimizeConfig.File"/> hands it to whoever needs it.
/// </summary>
public sealed record ConfigFile : ISettings
{
    /// <summary>Editors' schema reference; ignored.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>Pass names in order (see <see cref="Passes.PassRegistry"/>).</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    public CalibrationConfig? Calibration { get; init; }

    /// <summary>ONNX Runtime session options the model is deployed with, and the memory cap (<see cref="RuntimeConfig"/>).</summary>
    public RuntimeConfig? Runtime { get; init; }

    /// <summary>Per-op-type and per-node pass settings; read by <see cref="OptimizeConfig"/>, which knows the passes.</summary>
    public JsonObject? Overrides { get; init; }

    /// <summary>Budget limits by key; checked with <see cref="Budgets.BudgetSet.FromConfig"/>.</summary>
    public JsonObject? Budgets { get; init; }

    /// <summary>Inputs fixed to a value (<c>{ "sr": 16000 }</c>); read by <see cref="InputValuesConfig"/>.</summary>
    public JsonObject? Values { get; init; }

    /// <summary>A streaming model's state pairs (<c>{ "stateN": "state" }</c>); read by <see cref="StatePairsConfig"/>.</summary>
    public JsonObject? State { get; init; }

    /// <summary>The outputs the application reads; the others are removed and not judged (<see cref="Config.UsedOutputs"/>).</summary>
    public IReadOnlyList<string>? UsedOutputs { get; init; }

    /// <summary>What each output is taken for when judged (<c>{ "boxes": "regression" }</c>); read by <see cref="Config.OutputKinds"/>.</summary>
    public JsonObject? OutputKinds { get; init; }

    /// <summary>The CPU the model will run on (<c>portable</c>, <c>vnni</c>, <c>avx2</c>): int8 weights follow it, not the build machine.</summary>
    public Plan.DeployCpu? DeployCpu { get; init; }

    /// <summary>The lock file to read and write, relative to this file; default <c>MODEL.modelopt.lock.json</c> beside the model (docs/config.md).</summary>
    public string? Lock { get; init; }

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given) => [];
}
