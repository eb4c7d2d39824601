using System.Collections;
using System.Reflection;
using Microsoft.Build.Framework;

namespace ModelOpt.Build;

/// <summary>
/// Whether MSBuild will log a warning code of ours as an error: <c>-warnaserror</c> (bare or with
/// codes), <c>MSBuildTreatWarningsAsErrors</c> or <c>MSBuildWarningsAsErrors</c>. A model whose
/// warning became an error failed the build, and must go like any failed model's.
/// </summary>
/// <remarks>
/// MSBuild's own answer (<see cref="IBuildEngine8.ShouldTreatWarningAsError"/>) misses the bare
/// <c>-warnaserror</c> switch in every SDK project (checked with MSBuild 18.0 / SDK 10.0.401): the SDK
/// sets <c>MSBuildWarningsAsErrors</c> (NU1605;SYSLIB0011), and the engine answers from that
/// project list alone, forgetting that the command line made every warning an error — while its
/// logger still turns ours into errors and fails the build. So the command line's set is read too:
/// empty means "every warning". It is not public API, hence reflection that gives up quietly.
/// </remarks>
internal static class PromotedWarnings
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <param name="notAsErrors">Codes the project keeps as warnings or messages (<c>MSBuildWarningsNotAsErrors</c>, <c>MSBuildWarningsAsMessages</c>).</param>
    public static bool IsError(IBuildEngine engine, string code, IReadOnlyCollection<string> notAsErrors)
    {
        if (engine is IBuildEngine8 asked && asked.ShouldTreatWarningAsError(code)) return true;
        if (notAsErrors.Contains(code, StringComparer.OrdinalIgnoreCase)) return false;
        return CommandLineMakesEveryWarningAnError(engine, code);
    }

    /// <summary>The codes in a <c>;</c>- or <c>,</c>-separated MSBuild property.</summary>
    public static string[] Codes(string? property) =>
        (property ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // TaskHost._taskLoggingContext.LoggingService: WarningsAsErrors (an empty set: all of them) and
    // WarningsAsMessages (-nowarn, which wins over -warnaserror).
    private static bool CommandLineMakesEveryWarningAnError(IBuildEngine engine, string code)
    {
        try
        {
            object? context = engine.GetType().GetField("_taskLoggingContext", Members)?.GetValue(engine);
            object? service = context?.GetType().GetProperty("LoggingService", Members)?.GetValue(context);
            if (service is null) return false;
            if (Set(service, "WarningsAsMessages") is { } messages && Contains(messages, code)) return false;
            return Set(service, "WarningsAsErrors") is { } errors && Count(errors) == 0;
        }
        catch (Exception e) when (e is TargetInvocationException or MemberAccessException or InvalidCastException or NotSupportedException)
        {
            return false;
        }
    }

    private static IEnumerable? Set(object service, string name) =>
        (service.GetType().GetProperty(name, Members)
            ?? service.GetType().GetInterfaces().Select(i => i.GetProperty(name)).FirstOrDefault(p => p is not null))
        ?.GetValue(service) as IEnumerable;

    private static int Count(IEnumerable set) => set.Cast<object>().Count();

    private static bool Contains(IEnumerable set, string code) =>
        set.Cast<object>().Any(c => string.Equals(c as string, code, StringComparison.OrdinalIgnoreCase));
}
