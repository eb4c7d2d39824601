using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation;

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
        var passes = PassRegistry.Default.Parse(string.Join(',', settings.Passes));
        var model = ModelLoader.Load(settings.ModelPath);
        var reports = new PassPipeline(passes).Run(model, new PassContext(settings.ModelPath) { ConstantEvaluator = new OrtConstantEvaluator() });
        foreach (var r in reports)
        {
            console.WriteLine($"{r.Pass}: {(r.Changed ? "changed" : "no change")}, {r.NodesTouched} node(s) rewritten, {r.RemovedByCleanup} removed by cleanup; nodes {r.Before.Nodes} -> {r.After.Nodes}, parameters {r.Before.Parameters:N0} -> {r.After.Parameters:N0} ({r.Duration.TotalMilliseconds:0} ms)");
            foreach (var note in r.Notes) console.WriteLine($"  note: {note}");
        }
        ModelWriter.Save(model, settings.OutputPath);
        string what = passes.Count == 0 ? "none" : string.Join(", ", passes.Select(p => p.Name));
        console.WriteLine($"Wrote {settings.OutputPath} ({new FileInfo(settings.OutputPath).Length:N0} bytes; passes: {what}).");
        return ExitCodes.Success;
    }
}
