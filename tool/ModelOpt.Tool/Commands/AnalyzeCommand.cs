using System.CommandLine;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
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
        int Top,
        IReadOnlyList<string>? Values = null,
        bool Advise = false,
        string? DataPath = null,
        int AdviseSamples = 16)
    {
        /// <summary>The session options --measure times the model under.</summary>
        public OrtSessionSettings Session { get; init; } = OrtSessionSettings.Default;
    }

    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to analyze." };
        var shape = new Option<string[]>("--shape") { Description = "Bind an input's shape, e.g. --shape input=1x3x224x224 (repeatable). Unbound symbolic dims default to 1.", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var gflops = new Option<double?>("--device-gflops") { Description = "Device speed for the time estimate, in GFLOPS (default: measured once on this machine and cached)." };
        var measure = new Option<bool>("--measure") { Description = "Also run the model in ONNX Runtime and report the median and p90 latency." };
        var runs = new Option<int>("--runs") { Description = "Timed runs for --measure (after warm-up).", DefaultValueFactory = _ => 20 };
        var json = new Option<string?>("--json") { Description = "Write the analysis as JSON to this file." };
        var value = ValueOption.Create();
        var top = new Option<int>("--top") { Description = "List only the N heaviest nodes by FLOPs (0: all nodes in graph order).", DefaultValueFactory = _ => 25 };
        var advise = new Option<bool>("--advise") { Description = "What-if table: per heavy layer, what each technique (prune, separable, lowrank, int8) would save and, with --data, what it would cost in fidelity, ranked as the search ranks them." };
        var data = new Option<string?>("--data") { Description = "Samples for --advise's fidelity column (a folder, as for optimize)." };
        var samples = new Option<int>("--samples") { Description = "Samples --advise profiles on.", DefaultValueFactory = _ => 16 };
        var runtime = new RuntimeOptions(console, memoryCap: false);
        var command = new Command("analyze", "Count parameters, MACs and FLOPs per layer and estimate inference time.\n\nExamples:\n  dotnet model-opt analyze model.onnx\n  dotnet model-opt analyze model.onnx --shape input=1x3x224x224 --measure --json report.json")
        {
            model, shape, value, gflops, measure, runs, json, top, advise, data, samples,
        };
        runtime.AddTo(command);
        command.SetAction(parse => ToolCli.Guard(console, () => Run(console, new Settings(
            parse.GetValue(model)!,
            parse.GetValue(shape) ?? [],
            parse.GetValue(gflops),
            parse.GetValue(measure),
            parse.GetValue(runs),
            parse.GetValue(json),
            parse.GetValue(top),
            parse.GetValue(value) ?? [],
            parse.GetValue(advise),
            parse.GetValue(data),
            parse.GetValue(samples)) { Session = runtime.Session(parse) })));
        return command;
    }

    internal static int Run(ToolConsole console, Settings settings)
    {
        if (settings.DeviceGflops is <= 0)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--device-gflops must be positive.");
        if (settings.Runs < 1)
            throw new ModelOptException(ErrorCode.InvalidArgument, null, "--runs must be at least 1.");
        var model = ModelLoader.Load(settings.ModelPath);
        var bindings = ShapeBindings.Parse(settings.Shapes, settings.Values ?? []);
        double deviceFlops = settings.DeviceGflops is double g ? g * 1e9 : new DeviceProbe().GetFlops();
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions
        {
            Bindings = bindings,
            DeviceFlops = deviceFlops,
            RuntimeShapes = new RuntimeShapeProvider(),
            ModelName = settings.ModelPath,
        });

        if (settings.Measure)
        {
            var latency = MeasureLatency(model, settings);
            report = report with { Totals = report.Totals with { MeasuredMedianSeconds = latency.MedianSeconds, MeasuredP90Seconds = latency.P90Seconds, MeasuredUnder = settings.Session.Describe() } };
        }

        AnalysisTableRenderer.Render(console, report, settings.Top);
        if (settings.Advise)
        {
            if (settings.AdviseSamples < 1) throw new ModelOptException(ErrorCode.InvalidArgument, null, "--samples must be at least 1.");
            var advice = Optimizer.Advice.Advisor.For(settings.ModelPath, bindings, settings.DataPath, settings.AdviseSamples, deviceFlops);
            AdviceRenderer.Render(console, advice, settings.Top);
        }
        else if (settings.DataPath is not null) throw new ModelOptException(ErrorCode.InvalidArgument, null, "--data is for --advise.");
        if (settings.JsonPath is { } json)
        {
            AnalysisJson.Write(report, json);
            console.WriteLine($"Wrote {json}.");
        }
        return ExitCodes.Success;
    }

    // Same input shapes as the analysis (bound inputs, symbolic batch = 1), seeded synthetic values.
    private static LatencyResult MeasureLatency(Model model, Settings settings)
    {
        var shapes = model.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true })
            .ToDictionary(v => v.Name, v => v.Shape!);
        var inputs = SyntheticInputs.For(model, shapes);
        using var runner = OrtModelRunner.FromFile(settings.ModelPath, settings.Session);
        return LatencyMeter.Measure(() => runner.Run(inputs), warmupRuns: 3, runs: settings.Runs);
    }
}
