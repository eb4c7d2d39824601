using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation.Optimization;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// <c>dotnet model-opt optimize MODEL -o OUT [--passes LIST | --config modelopt.json]</c>. With
/// <c>--passes none</c> the model is re-serialized through the engine (load → IR → save), losslessly.
/// </summary>
internal static class OptimizeCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to optimize (never modified)." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the optimized model (written atomically, only if every check passes).", Required = true };
        var passes = new Option<string?>("--passes") { Description = $"Comma-separated passes, run in order: {string.Join(", ", PassRegistry.Default.Names)}; 'none' re-serializes the model unchanged. Default: the config's list, else none." };
        var config = new Option<string?>("--config") { Description = "A modelopt.json with passes, their settings and per-node overrides (docs/config.md)." };
        var data = new Option<string?>("--data") { Description = "Folder of calibration samples (.npy/.pb); default: the config's, else NAME.samples/ beside the model, else synthetic." };
        var samples = new Option<int?>("--calibration-samples") { Description = "How many calibration samples to use (default 64)." };
        var shape = new Option<string[]>("--shape") { Description = "Bind a dynamic input shape, e.g. --shape x=1x3x640x640 (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("optimize", "Rewrite a model with the given passes, check it in ONNX Runtime and write it.\n\nExamples:\n  dotnet model-opt optimize model.onnx -o out/model.onnx --passes freeze,separable\n  dotnet model-opt optimize model.onnx -o out/model.onnx --config modelopt.json --data calib/\n  dotnet model-opt optimize model.onnx -o copy.onnx --passes none")
        {
            model, output, passes, config, data, samples, shape,
        };
        command.SetAction(parse => ToolCli.Guard(console, () => Run(console, new OptimizeOptions
        {
            ModelPath = parse.GetValue(model)!,
            OutputPath = parse.GetValue(output)!,
            Passes = parse.GetValue(passes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ConfigPath = parse.GetValue(config),
            DataPath = parse.GetValue(data),
            CalibrationSamples = parse.GetValue(samples),
            Shapes = parse.GetValue(shape) ?? [],
        })));
        return command;
    }

    internal static int Run(ToolConsole console, OptimizeOptions options)
    {
        if (options.CalibrationSamples is < 1)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--calibration-samples must be at least 1.");
        var result = OptimizeJob.Run(options);
        OptimizeReportRenderer.Render(console, result);
        return ExitCodes.Success;
    }
}
