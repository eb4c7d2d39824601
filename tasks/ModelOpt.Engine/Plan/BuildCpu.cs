using System.Runtime.Intrinsics.X86;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// What the machine running the build can check. No rewrite reads it (the output follows the
/// declared <see cref="DeployCpu"/>); the report does, to say when figures measured here cannot
/// stand for the target's. Overridable (<see cref="Override"/>, or the environment variable
/// <c>MODELOPT_BUILD_CPU=vnni|avx2</c>) so that a test can show the output does not move with it.
/// </summary>
public static class BuildCpu
{
    /// <summary>The environment variable that makes this machine pass for another kind (tests, benchmarks).</summary>
    public const string Variable = "MODELOPT_BUILD_CPU";

    private static readonly bool Detected = X86Base.IsSupported && !HasVnni();

    /// <summary>Set by tests: true makes this CPU pass for one whose int8 kernels saturate, false for one that does not.</summary>
    public static bool? Override { get; set; }

    /// <summary>True on x86 CPUs without VNNI: the ones whose uint8×int8 kernels saturate full-range weights.</summary>
    public static bool SaturatingInt8Kernels => Override ?? FromEnvironment() ?? Detected;

    /// <summary>Why figures measured on this CPU do not stand for <paramref name="target"/>'s, or null when they do.</summary>
    public static string? CannotCheck(DeployCpu target) =>
        target == DeployCpu.Vnni && SaturatingInt8Kernels
            ? "the int8 weights are full-range for deployCpu 'vnni', but this build CPU has no VNNI: ONNX Runtime here saturates products the target computes exactly, so the figures measured here may be worse than the target's"
            : null;

    private static bool? FromEnvironment() => Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() switch
    {
        "avx2" => true,
        "vnni" => false,
        _ => null,
    };

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
