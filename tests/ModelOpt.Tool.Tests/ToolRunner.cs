using ModelOpt.TestSupport;
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
        int code = ToolCli.Run(Shared(args), ToolConsole.ForWriter(output, error));
        return new Result(code, output.ToString(), error.ToString());
    }

    // optimize writes MODEL.modelopt.lock.json beside the model by default. A model the repository
    // shares between tests (testassets/, .cache/) must not get one: the next test would replay it, or
    // warn that it is stale, and git would see it. Tests of the default copy the model to a temp folder.
    private static string[] Shared(string[] args)
    {
        if (args.Length < 2 || args[0] != "optimize" || args.Any(a => a is "--lock" or "--locked" or "--no-lock")) return args;
        string model = Path.GetFullPath(args[1]);
        return model.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? [.. args, "--no-lock"] : args;
    }
}
