using System.Diagnostics;

namespace ModelOpt.TestSupport;

/// <summary>Runs one of the repository's <c>eng/fetch-*.sh</c> scripts for the tests that need what it fetches.</summary>
internal static class FetchScript
{
    /// <summary>Null when the script succeeded; else why not (<paramref name="timeoutHint"/> is added to a time-out's message).</summary>
    public static string? Run(string name, TimeSpan limit, string timeoutHint = "")
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "eng", name)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                return $"eng/{name} did not finish within {limit.TotalMinutes:0} minutes{timeoutHint}";
            }
            return process.ExitCode == 0 ? null : $"eng/{name} failed (exit {process.ExitCode}): {stderr.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"could not run eng/{name}: {e.Message}";
        }
    }
}
