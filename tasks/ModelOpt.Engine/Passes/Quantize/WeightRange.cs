using System.Runtime.Intrinsics.X86;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// How far int8 weights may reach. ONNX Runtime's x86 kernels multiply uint8 activations by int8
/// weights with VPMADDUBSW where the CPU has no VNNI (AVX2, AVX-512 without VNNI): it adds the
/// products of two neighbours along the reduction (K) into an int16 and saturates, so 255·(127+127)
/// overflows and large activations silently clip. ONNX Runtime's own answer, "reduce_range", halves
/// every weight's range to [−63, 63]; a pair-safe scale only asks that each pair of K-neighbours
/// stay within 128 steps together (255·128 fits int16), which costs far fewer levels on real
/// weights, whose largest entries rarely sit side by side. VNNI (and ARM's dot products) accumulate
/// in int32 and need neither.
/// </summary>
public readonly record struct WeightRange(bool PairSafe)
{
    /// <summary>Steps two K-neighbours may span together without overflowing VPMADDUBSW's int16.</summary>
    public const int PairSteps = 128;

    public static WeightRange Full { get; } = new(false);

    public static WeightRange Safe { get; } = new(true);

    /// <summary>Pair-safe when <paramref name="reduceRange"/> says so, or on this CPU when it is null.</summary>
    public static WeightRange For(bool? reduceRange) => reduceRange ?? SaturatingInt8Kernels ? Safe : Full;

    /// <summary>True on x86 CPUs without VNNI: the ones whose uint8×int8 kernels saturate.</summary>
    public static bool SaturatingInt8Kernels { get; } = X86Base.IsSupported && !HasVnni();

    /// <summary>
    /// The symmetric scale of one channel whose weights along K are <c>w[start + k·stride]</c>,
    /// k &lt; <paramref name="count"/>: |q| ≤ 127, and when pair-safe |q_2j| + |q_2j+1| ≤ 128.
    /// </summary>
    public float Scale(ReadOnlySpan<float> w, long start, long count, long stride)
    {
        float absMax = 0, pairMax = 0;
        for (long k = 0; k < count; k++)
        {
            float a = MathF.Abs(w[(int)(start + k * stride)]);
            absMax = MathF.Max(absMax, a);
            if (PairSafe && k % 2 == 1) pairMax = MathF.Max(pairMax, a + MathF.Abs(w[(int)(start + (k - 1) * stride)]));
        }
        float scale = MathF.Max(absMax / 127f, pairMax / PairSteps);
        return scale > 0 && float.IsFinite(scale) ? scale : 1f;
    }

    /// <summary>Rounds a weight to its step, clamped to [−127, 127]; the scale already keeps pairs in range.</summary>
    public static sbyte Quantize(float w, float scale) => (sbyte)Math.Clamp(QuantizationMath.Round(w / scale), -127, 127);

    /// <summary>How a pass note states the range, and why it was chosen.</summary>
    public string Note => PairSafe
        ? $" (pair-safe scales: K-neighbours within {PairSteps} steps together{(SaturatingInt8Kernels ? ", as this CPU has no VNNI and ONNX Runtime's uint8×int8 kernels would saturate; set quantize.reduceRange to choose" : "")})"
        : "";

    private static bool HasVnni()
    {
        if (AvxVnni.IsSupported || Avx10v1.IsSupported) return true;
        // .NET exposes no AVX-512 VNNI flag; Linux lists it among the CPU's flags.
        const string cpuinfo = "/proc/cpuinfo";
        try
        {
            if (!File.Exists(cpuinfo)) return false;
            foreach (var line in File.ReadLines(cpuinfo))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Contains(" avx512_vnni", StringComparison.Ordinal) || line.Contains(" avx_vnni", StringComparison.Ordinal);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
