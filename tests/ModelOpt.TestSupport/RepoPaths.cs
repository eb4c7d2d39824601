namespace ModelOpt.TestSupport;

/// <summary>Well-known folders of the repository, found from wherever the tests or the bench run.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that holds Build.sln.</summary>
    public static string Root => LazyRoot.Value;

    public static string TestAssets => Path.Combine(Root, "testassets");

    /// <summary>Models the repository ships (the trained seed CNN and its samples).</summary>
    public static string Models => Path.Combine(TestAssets, "models");

    /// <summary>Gitignored cache for downloaded models and generated benchmark inputs.</summary>
    public static string Cache => Path.Combine(Root, ".cache");

    /// <summary>Real models fetched from npm by eng/fetch-models.sh.</summary>
    public static string CachedModels => Path.Combine(Cache, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Build.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Build.sln.");
    }
}
