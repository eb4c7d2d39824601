namespace ModelOpt.Engine.Diagnostics;

/// <summary>
/// One error at one place: a file and, where it is known, the 1-based line and column in it.
/// Printed in the form MSBuild, compilers and IDEs jump to: <c>file(line,col): error MOPT2004: message</c>.
/// </summary>
public sealed record ModelOptError(ErrorCode Code, string? File, int Line, int Column, string Message)
{
    public override string ToString()
    {
        string where = File is null ? "" : Line > 0 ? $"{File}({Line},{Math.Max(Column, 1)}): " : $"{File}: ";
        return $"{where}error {Code.Text()}: {Message}";
    }
}
