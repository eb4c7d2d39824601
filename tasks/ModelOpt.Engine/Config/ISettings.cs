namespace ModelOpt.Engine.Config;

/// <summary>
/// A typed settings record of modelopt.json (a pass's section, <c>calibration</c>, …), bound by
/// System.Text.Json through <see cref="SettingsBinder"/>: JSON names are the camelCase property
/// names, enums are read by name, unknown keys and wrong JSON types are errors. What types cannot
/// say (ranges, keys that only apply to some modes) the record says in <see cref="Check"/>.
/// </summary>
/// <remarks>
/// To add a setting: add an init property with its default to the record (and a line to
/// <see cref="Check"/> if it has a range); docs/config.md documents it. To add a top-level
/// section: a record implementing this interface and a property on <see cref="ConfigFile"/>.
/// </remarks>
public interface ISettings
{
    /// <summary>
    /// Problems the JSON types cannot express. <paramref name="given"/> holds the JSON keys the
    /// user wrote (after overrides are merged), for settings that only apply in some modes.
    /// </summary>
    IEnumerable<SettingProblem> Check(IReadOnlySet<string> given);
}

/// <summary>
/// One problem with a setting. <paramref name="Key"/> is the JSON key of the record it concerns
/// (the error points at it; null: the record itself); <paramref name="Message"/> reads after the
/// key's name: <c>must be in (0, 1], got 2</c>.
/// </summary>
public sealed record SettingProblem(string? Key, string Message);
