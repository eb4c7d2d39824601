using ModelOpt.TestSupport;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// A copy of testassets/projects/&lt;Scenario&gt; in a temp folder, with a NuGet.config that points at
/// the local feed, built with the real <c>dotnet build</c>.
/// </summary>
public sealed class ConsumerProject : IDisposable
{
    private readonly TempFolder _root = new("modelopt-consumer");

    public ConsumerProject(string scenario, LocalFeed feed)
    {
        Feed = feed;
        Directory = Path.Combine(_root.Path, scenario);
        CopyFolder(Path.Combine(RepoPaths.TestAssets, "projects", scenario), Directory);
        File.WriteAllText(Path.Combine(_root.Path, "NuGet.config"), feed.NuGetConfig());
    }

    public LocalFeed Feed { get; }

    /// <summary>The project's folder (the copy).</summary>
    public string Directory { get; }

    public string PathOf(string relative) => Path.Combine(Directory, relative);

    /// <summary>Copies the seed CNN (and its calibration samples) into the project at <paramref name="relativeFolder"/>.</summary>
    public void AddSeedModel(string relativeFolder, bool withSamples = true)
    {
        string target = PathOf(relativeFolder);
        System.IO.Directory.CreateDirectory(target);
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), Path.Combine(target, "seed-cnn.onnx"));
        if (withSamples) CopyFolder(Path.Combine(RepoPaths.Models, "seed-cnn.samples"), Path.Combine(target, "seed-cnn.samples"));
    }

    /// <summary>Which of <paramref name="relativePaths"/> exist in the project (files or folders).</summary>
    public string[] Existing(params string[] relativePaths) =>
        relativePaths.Where(p => File.Exists(PathOf(p)) || System.IO.Directory.Exists(PathOf(p))).ToArray();

    /// <summary>Runs <c>dotnet VERB</c> (build, clean, publish) at normal verbosity, so skipped targets show in the log.</summary>
    public ProcessResult Run(string verb, params string[] extra) => RunAtDefaultVerbosity(verb, ["-v:n", .. extra]);

    /// <summary>Runs <c>dotnet VERB</c> at MSBuild's default verbosity, as a developer's plain <c>dotnet build</c> does.</summary>
    public ProcessResult RunAtDefaultVerbosity(string verb, params string[] extra) =>
        ChildProcess.Run("dotnet", [verb, "-p:ModelOptVersion=" + Feed.Version, "-nodeReuse:false", .. extra], Directory, TimeSpan.FromMinutes(5));

    public void Dispose() => _root.Dispose();

    private static void CopyFolder(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (string file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
            string destination = Path.Combine(target, relative);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
