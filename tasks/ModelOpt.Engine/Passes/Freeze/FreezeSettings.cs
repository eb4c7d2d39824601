using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>Settings of <c>freeze</c> (documented in docs/config.md).</summary>
public sealed record FreezeSettings : ISettings
{
    /// <summary>
    /// Replace an If whose condition constants or bound values decide by the branch it takes (and
    /// drop a bound input nothing reads afterwards). Off: the model keeps its Ifs and its interface,
    /// and the passes after freeze do not reach what the branches compute.
    /// </summary>
    public bool InlineBranches { get; init; } = true;

    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given) => [];
}
