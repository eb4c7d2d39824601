namespace ModelOpt.Engine.Diagnostics;

/// <summary>
/// An error the user can act on: it names the file it concerns and what is wrong with it.
/// Anything else that escapes the engine is a bug. One exception may carry several errors (a
/// config file with three mistakes reports all three), each with its own place in its file.
/// </summary>
public class ModelOptException : Exception
{
    public ModelOptException(ErrorCode code, string? file, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        File = file;
        Errors = [new ModelOptError(code, file, 0, 0, message)];
    }

    /// <param name="errors">At least one; the first gives <see cref="Code"/> and <see cref="File"/>.</param>
    public ModelOptException(IReadOnlyList<ModelOptError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.Message)))
    {
        if (errors.Count == 0) throw new ArgumentException("an exception needs at least one error", nameof(errors));
        Code = errors[0].Code;
        File = errors[0].File;
        Errors = errors;
    }

    public ErrorCode Code { get; }

    /// <summary>The file the error is about (the model, a config, a data file), when there is one.</summary>
    public string? File { get; }

    /// <summary>Every error found, in file order; one for most exceptions.</summary>
    public IReadOnlyList<ModelOptError> Errors { get; }

    public int ExitCode => Code.ExitCode();

    /// <summary>One line per error in the form compilers use: <c>file(line,col): error MOPT2004: message</c>.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Errors);
}
