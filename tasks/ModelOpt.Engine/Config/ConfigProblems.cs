using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Engine.Config;

/// <summary>
/// Collects every problem of a config document with its place, so one load reports them all;
/// <see cref="ThrowIfAny"/> turns them into one <see cref="ModelOptException"/> (MOPT2004) whose
/// errors each read <c>file(line,col): error MOPT2004: …</c>.
/// </summary>
public sealed class ConfigProblems(string file, JsonPositions? positions)
{
    private readonly List<(ModelOptError Error, string Core)> _errors = [];

    public string File { get; } = file;

    public bool Any => _errors.Count > 0;

    /// <summary>A problem at a key (<paramref name="atKey"/>) or at its value; <paramref name="fallback"/> is tried where the path has no position (settings merged from elsewhere).</summary>
    public void Add(ConfigPath path, bool atKey, string message, string note = "", ConfigPath? fallback = null)
    {
        var at = Locate(path, atKey) ?? (fallback is null ? null : Locate(fallback, atKey));
        // The same problem met twice (a global setting re-checked under an override) is one problem.
        if (_errors.Any(e => e.Core == message && e.Error.Line == (at?.Line ?? 0) && e.Error.Column == (at?.Column ?? 0))) return;
        // The note says where merged settings came from; it belongs inside the sentence.
        string text = note.Length == 0 ? message : message.EndsWith('.') ? message[..^1] + note + "." : message + note;
        _errors.Add((new ModelOptError(ErrorCode.InvalidConfig, File, at?.Line ?? 0, at?.Column ?? 0, text), message));
    }

    private (int Line, int Column)? Locate(ConfigPath path, bool atKey) =>
        positions is null ? null : atKey ? positions.KeyOf(path) ?? positions.ValueOf(path) : positions.ValueOf(path) ?? positions.KeyOf(path);

    public void ThrowIfAny()
    {
        if (_errors.Count == 0) return;
        throw new ModelOptException(_errors.Select(e => e.Error).OrderBy(e => e.Line == 0 ? int.MaxValue : e.Line).ThenBy(e => e.Column).ToList());
    }
}
