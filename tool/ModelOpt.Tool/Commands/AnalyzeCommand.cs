using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Tool.Output;

namespace ModelOpt.Tool.Commands;

/// <summary><c>dotnet model-opt analyze MODEL</c>: per-layer parameters, MACs, FLOPs, memory and time.</summary>
internal static class AnalyzeCommand
{
    internal sealed record Settings(
        string ModelPath,
        IReadOnlyList<string> Shapes,
        double? DeviceGflops,
        bool Measure,
        int Runs,
        string? JsonPath,
        int Top);

    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to analyze." };
        var shape = new Option<string[]>("--shape") { Description = "Bind an input's shape, e.g. --shape input=1x3x224x224 (repeatable). Unbound symbolic dims default to 1.", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var gflops = new Option<double?>("--device-gflops") { Description = "Device speed for the time estimate, in GFLOPS (default: measured once on this machine and cached)." };
        var measure = new Option<bool>("--measure") { Description = "Also run the model in ONNX Runtime and report the median and p90 latency." };
        var runs = new Option<int>("--runs") { Description = "Timed runs for --measure (after warm-up).", DefaultValueFactory = _ => 20 };
        var json = new Option<string?>("--json") { Description = "Write the analysis as JSON to this file." };
        var top = new Option<int>("--top") { Description = "List only the N heaviest nodes by FLOPs (0: all nodes in graph order).", DefaultValueFactory = _ => 25 };
        var command = new Command("analyze", "Count parameters, MACs and FLOPs per layer and estimate inference time.\n\nExamples:\n  dotnet model-opt analyze model.onnx\n  dotnet model-opt analyze model.onnx --shape input=1x3x224x224 --measure --json report.json")
        {
            model, shape, gflops, measure, runs, json, top,
        };
        command.SetAction(parse => ToolCli.Guard(console, () => Run(console, new Settings(
            parse.GetValue(model)!,
            parse.GetValue(shape) ?? [],
            parse.GetValue(gflops),
            parse.GetValue(measure),
            parse.GetValue(runs),
            parse.GetValue(json),
            parse.GetValue(top)))));
        return command;
    }

    internal static int Run(ToolConsole console, Settings settings)
    {
        if (settings.DeviceGflops is <= 0)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--device-gflops must be positive.");
        if (settings.Runs < 1)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--runs must be at least 1.");
        throw new NotImplementedException("wired after the analyzer lands");
    }
}
