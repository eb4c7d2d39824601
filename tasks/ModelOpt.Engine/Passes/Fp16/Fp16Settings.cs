using System.Text.Json.Serialization;
using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// Settings of the <c>fp16</c> pass: keep the model's float32 interface (Casts at the boundary),
/// and the op types that stay in float32 (Casts around them).
/// </summary>
public sealed record Fp16Settings : ISettings
{
    /// <summary>
    /// Ops kept in float32 by default: their results overflow float16's ±65504 or lose the precision
    /// they exist for (exponentials, powers, sums and means over large extents, normalizations whose
    /// variance of large activations overflows, index and coordinate arithmetic), or they read
    /// float32-only inputs (Resize's scales). ONNX Runtime 1.31's CPU provider has no float16 kernel
    /// for any of them either (docs/config.md lists what was measured).
    /// </summary>
    public static IReadOnlySet<string> DefaultBlockOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Resize", "Upsample", "Range", "NonMaxSuppression", "TopK", "RoiAlign",
        "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
        "Pow", "Exp", "Log", "Softmax", "LogSoftmax", "CumSum",
        "LayerNormalization", "InstanceNormalization", "GroupNormalization",
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
    };

    public static Fp16Settings Default { get; } = new();

    public bool KeepIoTypes { get; init; } = true;

    /// <summary>The op types kept in float32 as written; null: <see cref="DefaultBlockOps"/>.</summary>
    [JsonPropertyName("blockOps")]
    public IReadOnlyList<string>? GivenBlockOps
    {
        get;
        init
        {
            field = value;
            BlockOps = value is null ? DefaultBlockOps : new HashSet<string>(value, StringComparer.Ordinal);
        }
    }

    /// <summary>The op types kept in float32 (looked up per node, so a set).</summary>
    [JsonIgnore]
    public IReadOnlySet<string> BlockOps { get; private init; } = DefaultBlockOps;

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given)
    {
        if (GivenBlockOps is { } ops && ops.Any(o => o.Length == 0)) yield return new("blockOps", "must be an array of op type names, e.g. [\"Resize\", \"Softmax\"]; it holds an empty name.");
    }
}
