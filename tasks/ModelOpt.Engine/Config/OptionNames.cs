namespace ModelOpt.Engine.Config;

/// <summary>
/// One option under its names in the three front ends: the command-line flag, the <c>OnnxModel</c>
/// attribute, and the modelopt.json key where the file has one. A message names the option as
/// <see cref="SettingNames.Current"/>'s user writes it.
/// </summary>
/// <param name="Argument">What the option takes, as help shows it (<c>DIR</c>), or null for a switch.</param>
public sealed record OptionName(string Flag, string Attribute, string? Key = null, string? Argument = null)
{
    /// <summary>The name alone: <c>--data</c> or <c>Data</c>.</summary>
    public string Name => SettingNames.Current == FrontEnd.MSBuild ? Attribute : Flag;

    /// <summary>How to give it a value: <c>--data DIR</c> or <c>Data="DIR"</c>.</summary>
    public string With(string? value = null)
    {
        string? v = value ?? Argument;
        if (SettingNames.Current == FrontEnd.MSBuild) return v is null ? $"{Attribute}=\"true\"" : $"{Attribute}=\"{v}\"";
        return v is null ? Flag : $"{Flag} {v}";
    }

    /// <summary>For the tool, whose users also write modelopt.json: <c>--memory-cap (runtime.memoryCap)</c>; in a build the attribute.</summary>
    public string NameAndKey => SettingNames.Current == FrontEnd.MSBuild || Key is null ? Name : $"{Flag} ({Key})";

    public override string ToString() => Name;
}

/// <summary>The naming table: every option a message may point the user to, once.</summary>
public static class OptionNames
{
    public static OptionName Passes { get; } = new("--passes", "Passes", "passes", "LIST");
    public static OptionName PassSettings { get; } = new("--pass-settings", "PassSettings", null, "JSON");
    public static OptionName Data { get; } = new("--data", "Data", "calibration.data", "DIR");
    public static OptionName Labels { get; } = new("--labels", "Labels", null, "FILE");
    public static OptionName CalibrationSamples { get; } = new("--calibration-samples", "CalibrationSamples", "calibration.samples", "N");
    public static OptionName Shape { get; } = new("--shape", "Shape", null, "NAME=DIMS");
    public static OptionName Value { get; } = new("--value", "Values", "values", "NAME=VALUE");
    public static OptionName State { get; } = new("--state", "State", "state", "OUTPUT=INPUT");
    public static OptionName UsedOutputs { get; } = new("--used-outputs", "UsedOutputs", "usedOutputs", "NAME,...");
    public static OptionName OutputKinds { get; } = new("--output-kinds", "OutputKinds", "outputKinds", "NAME=KIND");
    public static OptionName Search { get; } = new("--search", "Search");
    public static OptionName SearchTime { get; } = new("--search-time", "SearchTime", null, "SECONDS");
    public static OptionName MemoryCap { get; } = new("--memory-cap", "MemoryCap", "runtime.memoryCap", "SIZE");
    public static OptionName ExecutionProvider { get; } = new("--execution-provider", "ExecutionProvider", "runtime.executionProvider", "NAME");
    public static OptionName IntraOpThreads { get; } = new("--intra-op-threads", "IntraOpThreads", "runtime.intraOpThreads", "N");
    public static OptionName LockFile { get; } = new("--lock", "LockFile", "lock", "PATH");
    public static OptionName Locked { get; } = new("--locked", "ModelOptLockedMode");
    public static OptionName DeployCpu { get; } = new("--deploy-cpu", "DeployCpu", "deployCpu", "CPU");

    /// <summary>Turning the lock off: <c>--no-lock</c>, <c>LockFile="false"</c>.</summary>
    public static string NoLock => SettingNames.Current == FrontEnd.MSBuild ? "LockFile=\"false\"" : "--no-lock";

    /// <summary>Turning the default fidelity floor off, as each front end's user does it.</summary>
    public static string NoFidelityFloor => SettingNames.Current == FrontEnd.MSBuild ? "FidelityFloor=\"false\"" : "--no-fidelity-floor (\"budgets\": { \"fidelityFloor\": false } in modelopt.json)";
}
