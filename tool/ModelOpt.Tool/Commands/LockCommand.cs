using System.CommandLine;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Plan;
using ModelOpt.Tool.Output;
using ModelOpt.Optimizer;

namespace ModelOpt.Tool.Commands;

/// <summary><c>dotnet model-opt lock show FILE</c>: the plan a lock file holds, as tables.</summary>
internal static class LockCommand
{
    public static Command Create(ToolConsole console)
    {
        var file = new Argument<string>("file") { Description = "A lock file (MODEL.modelopt.lock.json)." };
        var show = new Command("show", "Print the plan a lock file holds: what it was made from, its budgets, each layer's setting and each int8 tensor's scale.\n\nExample:\n  dotnet model-opt lock show Models/net.modelopt.lock.json") { file };
        show.SetAction(parse => ToolCli.Guard(console, () =>
        {
            string path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new Engine.Diagnostics.ModelOptException(Engine.Diagnostics.ErrorCode.InvalidLockFile, path, "the lock file does not exist.");
            LockTableRenderer.Render(console, LockFileReader.Load(path, PassRegistry.Default.Names.ToList()), path, PlanLock.ToolVersion);
            return Engine.Diagnostics.ExitCodes.Success;
        }));
        return new Command("lock", "Lock files: the plan optimize chose, replayed by every build whose model, settings and data match.") { show };
    }
}
