namespace ModelOpt.IntegrationTests;

/// <summary>What a child process did: its exit code, everything it printed and how long it took.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>For assertion messages: the command and the tail of its output.</summary>
    public string Describe(int tail = 6000) =>
        $"`{CommandLine}` exited with {ExitCode} after {Elapsed.TotalSeconds:0.0} s:\n{(Output.Length > tail ? "…" + Output[^tail..] : Output)}";
}
