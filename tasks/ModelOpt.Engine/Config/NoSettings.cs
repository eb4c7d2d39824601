namespace ModelOpt.Engine.Config;

/// <summary>The settings of a pass that has none (<c>freeze</c>): its section must be empty, so a key there is a mistake.</summary>
public sealed record NoSettings : ISettings
{
    public IEnumerable<SettingProblem> Check(IReadOnlySet<string> given) => [];
}
