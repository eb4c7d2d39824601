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

    /// <summary>
    /// Pair-safe when <paramref name="reduceRange"/> says so, else as the declared deployment CPU
    /// needs: never as the build machine's CPU would, so one plan gives the same bytes on every build machine.
    /// </summary>
    public static WeightRange For(bool? reduceRange, Plan.DeployCpu target) => reduceRange ?? Plan.DeployCpus.PairSafeWeights(target) ? Safe : Full;

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

    /// <summary>How a pass note states the range.</summary>
    public string Note => PairSafe ? $" (pair-safe scales: K-neighbours within {PairSteps} steps together, exact on every CPU's int8 kernels; deployCpu 'vnni' or quantize.reduceRange false for full range)" : "";
}
