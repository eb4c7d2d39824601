using System.Security.Cryptography;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// What a plan was made from: the source model's bytes, the effective settings (each by name, so
/// a change can be named), every data sample's name and bytes, and the tool's version. A lock
/// whose fingerprint differs from the run's is stale (<see cref="Changes"/> says what changed).
/// </summary>
public sealed record LockFingerprint(string ModelFile, string ModelSha256, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<DataFile> Data, string Tool)
{
    /// <summary>What differs from <paramref name="now"/>, one sentence each, in a stable order; empty when the lock is current.</summary>
    public IReadOnlyList<string> Changes(LockFingerprint now)
    {
        var changes = new List<string>();
        if (ModelSha256 != now.ModelSha256)
            changes.Add($"the model {now.ModelFile} changed (SHA-256 {Short(ModelSha256)} in the lock, {Short(now.ModelSha256)} now)");
        foreach (var key in Settings.Keys.Union(now.Settings.Keys).Order(StringComparer.Ordinal))
        {
            string? was = Settings.GetValueOrDefault(key), isNow = now.Settings.GetValueOrDefault(key);
            if (was != isNow) changes.Add($"the setting '{key}' changed ({Shown(was)} in the lock, {Shown(isNow)} now)");
        }
        var before = Data.ToDictionary(d => d.File, d => d.Sha256, StringComparer.Ordinal);
        var after = now.Data.ToDictionary(d => d.File, d => d.Sha256, StringComparer.Ordinal);
        foreach (var file in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            if (!after.ContainsKey(file)) changes.Add($"the data sample '{file}' is gone");
            else if (!before.TryGetValue(file, out var sha)) changes.Add($"the data sample '{file}' is new");
            else if (sha != after[file]) changes.Add($"the data sample '{file}' changed (SHA-256 {Short(sha)} in the lock, {Short(after[file])} now)");
        }
        if (Tool != now.Tool) changes.Add($"the tool version changed ({Tool} in the lock, {now.Tool} now)");
        return changes;
    }

    /// <summary>SHA-256 of a file's bytes, lowercase hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of a text (a config file's effective content), lowercase hex.</summary>
    public static string Sha256OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>The files of a sample folder, by name relative to it (ordinal order), each with its SHA-256.</summary>
    public static IReadOnlyList<DataFile> DataOf(string? folder)
    {
        if (folder is null || !Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (Name: Path.GetRelativePath(folder, f).Replace('\\', '/'), Full: f))
            .Where(f => !f.Name.Split('/').Any(part => part.StartsWith('.')))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new DataFile(f.Name, Sha256Of(f.Full)))
            .ToList();
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private static string Shown(string? value) => value is null ? "not set" : value.Length == 0 ? "empty" : $"'{value}'";
}

/// <summary>One data sample (or labels file) by its name in the sample folder and its SHA-256.</summary>
public sealed record DataFile(string File, string Sha256);
