namespace ModelOpt.TestSupport;

/// <summary>Folders of the repository, found from the test binaries' location so tests run from any working directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The folder holding Build.sln.</summary>
    public static string Root => RootFolder.Value;

    public static string TestAssets => Path.Combine(Root, "testassets");

    public static string Models => Path.Combine(TestAssets, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Build.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains Build.sln.");
    }
}
