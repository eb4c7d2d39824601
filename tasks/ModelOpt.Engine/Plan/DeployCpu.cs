namespace ModelOpt.Engine.Plan;

/// <summary>
/// The CPU the optimized model will run on, as the user declares it (<c>--deploy-cpu</c>,
/// <c>deployCpu</c> in modelopt.json, <c>DeployCpu</c> in MSBuild). Only int8 weights depend on
/// it: ONNX Runtime's x86 uint8×int8 kernels saturate without VNNI, so full-range weights are
/// safe only where the products accumulate in int32. The build machine's own CPU never decides.
/// </summary>
public enum DeployCpu
{
    /// <summary>Any CPU: pair-safe int8 weights, exact on every kernel (the default).</summary>
    Portable,

    /// <summary>CPUs whose int8 products accumulate in int32 (x86 AVX-512 VNNI or AVX-VNNI, ARM dot products): full-range int8 weights.</summary>
    Vnni,

    /// <summary>x86 without VNNI (AVX2, AVX-512 without VNNI): pair-safe int8 weights, as the saturating kernels need.</summary>
    Avx2,
}

public static class DeployCpus
{
    /// <summary>The names as written in every front end.</summary>
    public static IReadOnlyList<string> Names { get; } = ["portable", "vnni", "avx2"];

    public static string Key(this DeployCpu cpu) => Names[(int)cpu];

    /// <summary>Whether int8 weights must keep K-neighbour pairs within 128 steps (see <see cref="Passes.Quantize.WeightRange"/>).</summary>
    public static bool PairSafeWeights(this DeployCpu cpu) => cpu != DeployCpu.Vnni;

    public static DeployCpu? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        int i = Names.ToList().IndexOf(text.Trim().ToLowerInvariant());
        return i < 0 ? null : (DeployCpu)i;
    }
}
