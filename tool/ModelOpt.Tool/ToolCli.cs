using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Tool.Commands;
using ModelOpt.Tool.Output;

namespace ModelOpt.Tool;

/// <summary>Builds the command tree and runs one command line, mapping every outcome to a documented exit code.</summary>
public static class ToolCli
{
    public static RootCommand CreateRoot(ToolConsole console)
    {
        var root = new RootCommand("ModelOpt: analyze, optimize and validate ONNX models. Exit codes: 0 ok, 1 budget broken, 2 usage or config error, 3 invalid model or I/O error.");
        root.Subcommands.Add(AnalyzeCommand.Create(console));
        root.Subcommands.Add(OptimizeCommand.Create(console));
        root.Subcommands.Add(ValidateCommand.Create(console));
        root.Subcommands.Add(CheckCommand.Create(console));
        root.Subcommands.Add(InitCommand.Create(console));
        root.Subcommands.Add(LockCommand.Create(console));
        return root;
    }

    public static int Run(string[] args, ToolConsole console)
    {
        var root = CreateRoot(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) console.Error.WriteLine($"error {ErrorCode.InvalidArgument.Text()}: {error.Message}");
            console.Error.WriteLine("Run 'dotnet model-opt --help' for usage.");
            return ExitCodes.UsageError;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console.OutWriter, Error = console.Error });
    }

    /// <summary>Runs a command body; a <see cref="ModelOptException"/> becomes its message on stderr and its exit code.</summary>
    internal static int Guard(ToolConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ModelOptException e)
        {
            console.Error.WriteLine(e.ToString());
            return e.ExitCode;
        }
    }
}
