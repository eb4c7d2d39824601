namespace ModelOpt.Engine.Plan;

/// <summary>
/// The tool as a lock records it: what can change the output of a replayed plan, and nothing else.
/// A lock is stale when this differs, so it must not carry what changes on every commit: a dev
/// build's informational version ends in <c>+&lt;commit hash&gt;</c>, which would make every lock
/// stale on every commit and every CI build search again. It is the product version without that
/// build metadata, and <see cref="PlanFormat"/>, bumped when the same plan would rewrite a model
/// differently (a pass reads a node's settings another way), so that an old plan is chosen again
/// rather than replayed into something it was never validated as.
/// </summary>
public static class ToolFingerprint
{
    /// <summary>The version of what a plan means to the passes; bump it when a pass replays a plan into other bytes.</summary>
    public const int PlanFormat = 1;

    /// <summary><c>ModelOpt 0.1.0, plan format 1</c> from an informational version such as <c>0.1.0+3f2a…</c>.</summary>
    public static string Of(string? informationalVersion)
    {
        string version = string.IsNullOrWhiteSpace(informationalVersion) ? "0" : informationalVersion.Trim();
        int plus = version.IndexOf('+');
        if (plus > 0) version = version[..plus];
        return $"ModelOpt {version}, plan format {PlanFormat}";
    }
}
