using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ModelOpt.TestSupport;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// The real packages, packed once per test process by eng/pack.sh into artifacts/packages. Their
/// version carries a hash of every file that goes into them (0.1.0-t1a2b3c4d5e6): NuGet's global
/// package cache keeps the first copy of an id+version forever, so a changed task must never reuse
/// a version; an unchanged one reuses the packages already packed (and the cache's copy).
/// </summary>
public sealed class LocalFeed
{
    private static readonly Lazy<LocalFeed> Instance = new(PackOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    // Everything the packages are built from; bin/ and obj/ below them are outputs, not inputs.
    private static readonly string[] Inputs =
    [
        "tasks", "tool", "eng/pack.sh", "eng/BuildTask.targets", "eng/DesktopRuntimes.targets",
        "Directory.Build.props", "Directory.Packages.props", "global.json", "README.md",
    ];

    private LocalFeed(string folder, string version, ProcessResult? pack)
    {
        Folder = folder;
        Version = version;
        Pack = pack;
    }

    public static LocalFeed Current => Instance.Value;

    /// <summary>artifacts/packages.</summary>
    public string Folder { get; }

    /// <summary>The version both packages were packed with.</summary>
    public string Version { get; }

    /// <summary>The eng/pack.sh run, or null when packages with this content hash were already there.</summary>
    public ProcessResult? Pack { get; }

    /// <summary>A NuGet.config for a consumer: this feed first, nuget.org for everything else (the SDK's own packages).</summary>
    public string NuGetConfig() => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="modelopt-local" value="{Folder}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
        </configuration>
        """;

    private static LocalFeed PackOnce()
    {
        string root = RepoPaths.Root;
        string suffix = "t" + ContentHash(root)[..12];
        string version = $"{BaseVersion(root)}-{suffix}";
        string folder = Path.Combine(root, "artifacts", "packages");
        bool packed = File.Exists(Path.Combine(folder, $"ModelOpt.Build.{version}.nupkg")) && File.Exists(Path.Combine(folder, $"dotnet-model-opt.{version}.nupkg"));
        if (packed) return new LocalFeed(folder, version, null);

        var run = ChildProcess.Run("bash", [Path.Combine(root, "eng", "pack.sh"), "--version-suffix", suffix], root, TimeSpan.FromMinutes(8));
        if (!run.Succeeded) throw new InvalidOperationException("eng/pack.sh failed: " + run.Describe());
        DeleteOlderTestPackages(folder, version);
        return new LocalFeed(folder, version, run);
    }

    // Each content hash packs about 100 MB; only the current pair is worth keeping in artifacts/packages.
    private static void DeleteOlderTestPackages(string folder, string version)
    {
        foreach (string file in Directory.EnumerateFiles(folder, "*.nupkg"))
        {
            string name = Path.GetFileName(file);
            bool testPackage = Regex.IsMatch(name, @"^(ModelOpt\.Build|dotnet-model-opt)\.[0-9.]+-t[0-9a-f]{12}\.nupkg$");
            if (testPackage && !name.EndsWith($".{version}.nupkg", StringComparison.Ordinal)) File.Delete(file);
        }
    }

    private static string BaseVersion(string root)
    {
        var match = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")), "<Version>([^<]+)</Version>");
        if (!match.Success) throw new InvalidOperationException("Directory.Build.props has no <Version>.");
        return match.Groups[1].Value.Trim();
    }

    private static string ContentHash(string root)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string relative in InputFiles(root))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative.Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(root, relative)));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static IEnumerable<string> InputFiles(string root)
    {
        var files = new List<string>();
        foreach (string input in Inputs)
        {
            string full = Path.Combine(root, input);
            if (File.Exists(full)) files.Add(input);
            else if (Directory.Exists(full))
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(root, f))
                    .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")));
        }
        return files.Order(StringComparer.Ordinal);
    }
}
