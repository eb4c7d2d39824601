using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Tool.Output;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// <c>dotnet model-opt optimize MODEL -o OUT [--passes LIST]</c>. With <c>--passes none</c> the
/// model is re-serialized through the engine (load → IR → save), which is lossless.
/// </summary>
internal static class OptimizeCommand
{
    internal sealed record Settings(string ModelPath, string OutputPath, IReadOnlyList<string> Passes);

    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to optimize (never modified)." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the optimized model.", Required = true };
        var passes = new Option<string>("--passes") { Description = "Comma-separated passes to run; 'none' re-serializes the model unchanged.", DefaultValueFactory = _ => "none" };
        var command = new Command("optimize", "Rewrite a model and write the result.\n\nExample:\n  dotnet model-opt optimize model.onnx -o out/model.onnx --passes none")
        {
            model, output, passes,
        };
        command.SetAction(parse => ToolCli.Guard(console, () => Run(console, new Settings(
            parse.GetValue(model)!,
            parse.GetValue(output)!,
            parse.GetValue(passes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))));
        return command;
    }

    internal static int Run(ToolConsole console, Settings settings)
    {
        var unknown = settings.Passes.Where(p => !string.Equals(p, "none", StringComparison.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
            throw new ModelOptException(ErrorCode.UnknownPass, null, $"unknown pass(es): {string.Join(", ", unknown)}. Available: none.");

        var model = ModelLoader.Load(settings.ModelPath);
        ModelWriter.Save(model, settings.OutputPath);
        console.WriteLine($"Wrote {settings.OutputPath} ({new FileInfo(settings.OutputPath).Length:N0} bytes; passes: none).");
        return ExitCodes.Success;
    }
}
