using ModelOpt.Tool;
using ModelOpt.Tool.Output;

namespace ModelOpt.Tool.Tests;

/// <summary>Runs the tool in-process with captured output, the way a user's shell would.</summary>
internal static class ToolRunner
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ToolCli.Run(args, ToolConsole.ForWriter(output, error));
        return new Result(code, output.ToString(), error.ToString());
    }
}
