namespace ModelOpt.Engine.Diagnostics;

/// <summary>
/// An error the user can act on: it names the file it concerns and what is wrong with it.
/// Anything else that escapes the engine is a bug.
/// </summary>
public class ModelOptException : Exception
{
    public ModelOptException(ErrorCode code, string? file, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        File = file;
    }

    public ErrorCode Code { get; }

    /// <summary>The file the error is about (the model, a config, a data file), when there is one.</summary>
    public string? File { get; }

    public int ExitCode => Code.ExitCode();

    /// <summary>One line in the form compilers use: <c>file: error MOPT1003: message</c>.</summary>
    public override string ToString() =>
        File is null ? $"error {Code.Text()}: {Message}" : $"{File}: error {Code.Text()}: {Message}";
}
