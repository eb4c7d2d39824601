using System.Text.RegularExpressions;

namespace ModelOpt.Optimizer.Reports;

/// <summary>
/// Makes the paths in a report relative to one folder (the project for a build, the current folder
/// for the tool), with forward slashes, so a report published with an app or attached to a CI run
/// holds no build-machine paths and reads the same on every machine.
/// </summary>
public sealed class ReportPaths
{
    private readonly string _root;
    // Absolute folders that free text (notes, messages) may name, longest first, with their relative form.
    private readonly List<(string Absolute, string Relative)> _folders = [];

    public ReportPaths(string baseDirectory)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory));
        AddFolder(_root);
    }

    public string BaseDirectory => _root;

    /// <summary>
    /// <paramref name="path"/> relative to the base folder (<c>Models/net.onnx</c>, <c>../data</c>);
    /// a path on another drive keeps only its file name. Text that is not a file path (a description
    /// such as <c>(optimized model)</c>) comes back unchanged.
    /// </summary>
    public string? Relative(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.StartsWith('(')) return path;
        string full = Path.GetFullPath(path, _root);
        string relative = Path.GetRelativePath(_root, full);
        if (Path.IsPathRooted(relative)) relative = Path.GetFileName(full);
        return relative.Replace('\\', '/');
    }

    /// <summary>Lets <see cref="Text"/> rewrite paths in the folder of <paramref name="path"/> (a model or config outside the base folder).</summary>
    public ReportPaths Knowing(string? path)
    {
        if (!string.IsNullOrEmpty(path) && !path.StartsWith('(') && Path.GetDirectoryName(Path.GetFullPath(path, _root)) is { Length: > 0 } folder)
            AddFolder(folder);
        return this;
    }

    /// <summary>Free text (a note, a message) with the paths in the base folder and the known folders made relative.</summary>
    public string Text(string text)
    {
        foreach (var (absolute, relative) in _folders)
        {
            if (!text.Contains(absolute, StringComparison.Ordinal)) continue;
            // The folder itself or a path below it; never a longer name that merely starts with it (/src/app2).
            text = Regex.Replace(text, Regex.Escape(absolute) + @"(?<sep>[\\/])?(?=(?<=[\\/])|$|[\s""'),;:\]]|\.(?:\s|$))", m =>
                m.Groups["sep"].Success ? (relative == "." ? "" : relative + "/") : relative);
        }
        return text;
    }

    private void AddFolder(string folder)
    {
        folder = Path.TrimEndingDirectorySeparator(folder);
        if (_folders.Any(f => f.Absolute == folder) || Path.GetPathRoot(folder) == folder) return;
        _folders.Add((folder, Relative(folder)!));
        _folders.Sort((a, b) => b.Absolute.Length.CompareTo(a.Absolute.Length));
    }
}
