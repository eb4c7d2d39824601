using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>
/// Where the tool writes: rich output (tables, colour) on a terminal, plain text when redirected,
/// errors to standard error. Injected so tests can capture what a command printed.
/// </summary>
public sealed class ToolConsole
{
    public ToolConsole(IAnsiConsole output, TextWriter error, bool isTerminal, TextWriter? outputWriter = null)
    {
        Out = output;
        Error = error;
        IsTerminal = isTerminal;
        OutWriter = outputWriter ?? Console.Out;
    }

    public IAnsiConsole Out { get; }

    /// <summary>Standard output as plain text: where <c>--help</c> and <c>--version</c> go, as every CLI does.</summary>
    public TextWriter OutWriter { get; }

    public TextWriter Error { get; }

    /// <summary>False when output is redirected: then tables use ASCII borders and no colour.</summary>
    public bool IsTerminal { get; }

    public static ToolConsole ForProcess()
    {
        bool terminal = !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(Console.Out),
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected (a CI log, a file): lines as long as they are; a log viewer wraps, a hard wrap would split paths and messages.
        if (!terminal) console.Profile.Width = UnwrappedWidth;
        return new ToolConsole(console, Console.Error, terminal, Console.Out);
    }

    /// <summary>A console that records into <paramref name="output"/> (plain, unwrapped, as when redirected): for tests.</summary>
    public static ToolConsole ForWriter(TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = UnwrappedWidth;
        return new ToolConsole(console, error, isTerminal: false, output);
    }

    /// <summary>Wide enough that no line is ever wrapped; tables still take only the width their content needs.</summary>
    internal const int UnwrappedWidth = 32_000;

    public void WriteLine(string text) => Out.WriteLine(text);
}
