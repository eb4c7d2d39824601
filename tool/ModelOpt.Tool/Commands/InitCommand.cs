using System.CommandLine;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer;

namespace ModelOpt.Tool.Commands;

/// <summary><c>dotnet model-opt init MODEL [-o modelopt.json]</c>: writes a commented starter config for the model.</summary>
internal static class InitCommand
{
    internal sealed record Settings(string ModelPath, string OutputPath, IReadOnlyList<string> Shapes, bool Force);

    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model the configuration is for." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the configuration.", DefaultValueFactory = _ => "modelopt.json" };
        var shape = new Option<string[]>("--shape") { Description = "Bind a dynamic input shape for the layer figures, e.g. --shape x=1x3x640x640 (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("init", "Write a commented starter modelopt.json for a model: its inputs, its heaviest layers, the passes that cut FLOPs or size when tried on it (within the default fidelity floor) and budgets.\n\nExamples:\n  dotnet model-opt init model.onnx\n  dotnet model-opt init model.onnx -o configs/model.json --shape input=1x3x224x224")
        {
            model, output, shape, force,
        };
        command.SetAction(parse => ToolCli.Guard(console, () => Run(console, new Settings(
            parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(shape) ?? [], parse.GetValue(force)))));
        return command;
    }

    internal static int Run(ToolConsole console, Settings settings)
    {
        if (File.Exists(settings.OutputPath) && !settings.Force)
            throw new ModelOptException(ErrorCode.InvalidArgument, settings.OutputPath, "the file exists; pass --force to overwrite it.");
        var model = ModelLoader.Load(settings.ModelPath);
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions
        {
            Bindings = ShapeBindings.Parse(settings.Shapes),
            DeviceFlops = 1e9,
            RuntimeShapes = new RuntimeShapeProvider(),
            ModelName = settings.ModelPath,
        });

        // Paths in the config are relative to the config file.
        string configFolder = Path.GetDirectoryName(Path.GetFullPath(settings.OutputPath))!;
        string? samples = SampleSet.FindBeside(settings.ModelPath) is { } beside ? Path.GetRelativePath(configFolder, beside).Replace('\\', '/') : null;
        var suggestion = PassAdvisor.Suggest(settings.ModelPath, ShapeBindings.Parse(settings.Shapes));
        string text = StarterConfig.For(report, Path.GetFileName(settings.ModelPath), samples, PassRegistry.Default.Names, suggestion);

        // What init writes must be what optimize accepts.
        OptimizeConfig.Parse(text, settings.OutputPath, PassRegistry.Default);
        Directory.CreateDirectory(configFolder);
        AtomicFile.WriteAllText(settings.OutputPath, text);
        foreach (var trial in suggestion.Trials) console.WriteLine($"{trial.Pass}: {(trial.Suggested ? "suggested" : "not suggested")}: {trial.Finding}");
        console.WriteLine($"Wrote {settings.OutputPath} (passes: {(suggestion.Passes.Count == 0 ? "none" : string.Join(", ", suggestion.Passes))}).");
        return ExitCodes.Success;
    }
}
