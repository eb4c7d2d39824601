using ModelOpt.Tool.Output;

namespace ModelOpt.Tool;

public static class Program
{
    public static int Main(string[] args) => ToolCli.Run(args, ToolConsole.ForProcess());
}
