using ModelOpt.Engine.Budgets;

namespace ModelOpt.Engine.Config;

/// <summary>Where the user wrote their settings: a message names a setting as that user wrote it.</summary>
public enum FrontEnd
{
    /// <summary><c>dotnet model-opt</c>: flags (<c>--max-size</c>) and modelopt.json keys.</summary>
    CommandLine,

    /// <summary><c>OnnxModel</c> item metadata (<c>MaxSize</c>, <c>PassSettings</c>).</summary>
    MSBuild,
}

/// <summary>One name per option and front end, so a build log never tells an MSBuild user to pass <c>--max-accuracy-drop</c>.</summary>
public static class SettingNames
{
    private static readonly AsyncLocal<FrontEnd> s_current = new();

    /// <summary>
    /// The front end whose words messages use on this flow of work: set once where a run starts
    /// (<see cref="Use"/>), read by every message that names an option (<see cref="OptionNames"/>),
    /// so code deep in a pass needs no front end passed down to it. The command line when unset.
    /// </summary>
    public static FrontEnd Current => s_current.Value;

    /// <summary>Messages name options in <paramref name="frontEnd"/>'s words until the result is disposed.</summary>
    public static IDisposable Use(FrontEnd frontEnd)
    {
        var before = s_current.Value;
        s_current.Value = frontEnd;
        return new Restore(before);
    }

    private sealed class Restore(FrontEnd before) : IDisposable
    {
        public void Dispose() => s_current.Value = before;
    }

    /// <summary>A budget in the current front end's words: <c>MaxAccuracyDrop</c>, <c>maxAccuracyDrop (--max-accuracy-drop)</c>.</summary>
    public static string Budget(BudgetDefinition definition) => Budget(definition, Current);

    /// <summary>A budget: <c>MaxSize</c> in MSBuild, <c>maxSize (--max-size)</c> for the tool, whose users may use either the flag or the modelopt.json key.</summary>
    public static string Budget(BudgetDefinition definition, FrontEnd frontEnd) =>
        frontEnd == FrontEnd.MSBuild ? definition.MetadataName : $"{definition.Key} ({definition.Option})";

    /// <summary>
    /// How to give a pass setting, e.g. <c>{ "allowSlower": true }</c> for <c>quantize</c>: the
    /// <c>PassSettings</c> attribute in MSBuild; <c>--pass-settings</c> or a modelopt.json key for the tool.
    /// </summary>
    public static string PassSetting(string pass, string json, FrontEnd frontEnd) => frontEnd == FrontEnd.MSBuild
        ? $"PassSettings='{{ \"{pass}\": {json} }}'"
        : $"\"{pass}\": {json} in modelopt.json (or --pass-settings '{{ \"{pass}\": {json} }}')";
}
