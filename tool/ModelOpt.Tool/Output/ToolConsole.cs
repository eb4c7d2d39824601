using Spectre.Console;

namespace ModelOpt.Tool.Output;

/// <summary>
/// Where the tool writes: rich output (tables, colour) on a terminal, plain text when redirected,
/// errors to standard error. Injected so tests can capture what a command printed.
/// </summary>
public sealed class ToolConsole
{
    public ToolConsole(IAnsiConsole output, TextWriter error, bool isTerminal)
    {
        Out = output;
        Error = error;
        IsTerminal = isTerminal;
    }

    public IAnsiConsole Out { get; }

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
        if (!terminal) console.Profile.Width = 160;
        return new ToolConsole(console, Console.Error, terminal);
    }

    /// <summary>A console that records into <paramref name="output"/> (plain, wide): for tests.</summary>
    public static ToolConsole ForWriter(TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return new ToolConsole(console, error, isTerminal: false);
    }

    public void WriteLine(string text) => Out.WriteLine(text);
}
