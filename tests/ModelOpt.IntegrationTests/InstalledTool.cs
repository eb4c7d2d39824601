using ModelOpt.TestSupport;

namespace ModelOpt.IntegrationTests;

/// <summary>
/// dotnet-model-opt installed from its package into a temp tool path, the way a user installs it
/// (<c>dotnet tool install --tool-path DIR dotnet-model-opt --add-source artifacts/packages --version V</c>).
/// Installed once per test process.
/// </summary>
public sealed class InstalledTool
{
    private static readonly Lazy<InstalledTool> Instance = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    private InstalledTool(string toolPath, string version, ProcessResult install)
    {
        ToolPath = toolPath;
        Version = version;
        Installation = install;
    }

    public static InstalledTool Current => Instance.Value;

    public string ToolPath { get; }

    public string Version { get; }

    public ProcessResult Installation { get; }

    public string Executable => Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "dotnet-model-opt.exe" : "dotnet-model-opt");

    public ProcessResult Run(string workingDirectory, params string[] arguments) =>
        ChildProcess.Run(Executable, arguments, workingDirectory, TimeSpan.FromMinutes(3));

    private static InstalledTool Install()
    {
        var feed = LocalFeed.Current;
        // Lives as long as the test process: the temp folder is unique and the OS cleans temp.
        string folder = Path.Combine(Path.GetTempPath(), $"modelopt-tool-{Guid.NewGuid():N}");
        string toolPath = Path.Combine(folder, "tools");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), feed.NuGetConfig());
        var install = ChildProcess.Run("dotnet",
            ["tool", "install", "--tool-path", toolPath, "dotnet-model-opt", "--add-source", feed.Folder, "--version", feed.Version],
            folder, TimeSpan.FromMinutes(5));
        if (!install.Succeeded) throw new InvalidOperationException("dotnet tool install failed: " + install.Describe());
        return new InstalledTool(toolPath, feed.Version, install);
    }
}
