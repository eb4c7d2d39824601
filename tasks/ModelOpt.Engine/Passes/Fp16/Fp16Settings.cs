using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// Settings of the <c>fp16</c> pass: keep the model's float32 interface (Casts at the boundary),
/// and the op types that stay in float32 (Casts around them).
/// </summary>
public sealed record Fp16Settings(bool KeepIoTypes, IReadOnlySet<string> BlockOps)
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

    public static Fp16Settings Default { get; } = new(true, DefaultBlockOps);

    /// <exception cref="ArgumentException">A key or value is wrong; the message names it.</exception>
    public static Fp16Settings From(JsonObject settings, string where)
    {
        bool keepIo = true;
        IReadOnlySet<string> block = DefaultBlockOps;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "keepIoTypes":
                    if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                        throw new ArgumentException($"{where}: 'fp16.keepIoTypes' must be true or false.");
                    keepIo = v.GetValue<bool>();
                    break;
                case "blockOps":
                    if (value is not JsonArray array || array.Any(e => e is not JsonValue s || s.GetValueKind() != JsonValueKind.String || s.GetValue<string>().Length == 0))
                        throw new ArgumentException($"{where}: 'fp16.blockOps' must be an array of op type names, e.g. [\"Resize\", \"Softmax\"].");
                    block = new HashSet<string>(array.Select(e => e!.GetValue<string>()), StringComparer.Ordinal);
                    break;
                default:
                    throw new ArgumentException($"{where}: unknown setting 'fp16.{key}' (expected 'keepIoTypes' or 'blockOps').");
            }
        }
        return new Fp16Settings(keepIo, block);
    }
}
