using System.CommandLine;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Commands;

/// <summary><c>dotnet model-opt validate BASELINE CANDIDATE</c>: run both on the same samples and check budgets.</summary>
internal static class ValidateCommand
{
    public static Command Create(ToolConsole console)
    {
        var baseline = new Argument<string>("baseline") { Description = "The original model." };
        var candidate = new Argument<string>("candidate") { Description = "The optimized model to check against it." };
        var data = new Option<string?>("--data") { Description = "Folder of samples (.npy/.pb); default: BASELINE.samples/ beside the baseline, else seeded synthetic samples (a fidelity check only)." };
        var labels = new Option<string?>("--labels") { Description = "Class-index labels (.npy/.txt/.json); default: labels.* in the sample folder." };
        var samples = new Option<int?>("--samples") { Description = "Use at most this many samples." };
        var runs = new Option<int>("--runs") { Description = "Timed runs of each model for latency, interleaved (0: skip).", DefaultValueFactory = _ => 20 };
        var shape = new Option<string[]>("--shape") { Description = "Bind a dynamic input shape, e.g. --shape x=1x3x320x320 (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var value = ValueOption.Create();
        var state = ValueOption.CreateState();
        var usedOutputs = ValueOption.CreateUsedOutputs();
        var outputKinds = ValueOption.CreateOutputKinds();
        var budgets = new BudgetOptions();
        var reports = new ReportOptions("--json", "--report");
        var runtime = new RuntimeOptions(console);
        var command = new Command("validate", "Run the original and an optimized model on the same samples with the same ONNX Runtime settings, compare them and check budgets.\n\nExamples:\n  dotnet model-opt validate model.onnx out/model.onnx --max-accuracy-drop 0.5\n  dotnet model-opt validate model.onnx out/model.onnx --data digits/ --labels digits/labels.npy --json report.json")
        {
            baseline, candidate, data, labels, samples, runs, shape, value, state, usedOutputs, outputKinds,
        };
        budgets.AddTo(command);
        runtime.AddTo(command);
        reports.AddTo(command);
        command.SetAction(parse => ToolCli.Guard(console, () =>
        {
            if (parse.GetValue(samples) is < 1) throw new ModelOptException(ErrorCode.InvalidArgument, null, "--samples must be at least 1.");
            if (parse.GetValue(runs) < 0) throw new ModelOptException(ErrorCode.InvalidArgument, null, "--runs must not be negative.");
            string a = parse.GetValue(baseline)!, b = parse.GetValue(candidate)!;
            var runtimeConfig = runtime.Read(parse);
            var settings = new ValidationSettings
            {
                Session = OrtSessionSettings.From(runtimeConfig),
                MemoryCapBytes = runtimeConfig.ResolvedMemoryCapBytes,
                DataPath = parse.GetValue(data),
                LabelsPath = parse.GetValue(labels),
                SampleLimit = parse.GetValue(samples),
                Bindings = ShapeBindings.Parse(parse.GetValue(shape) ?? [], parse.GetValue(value) ?? []),
                AlwaysCompare = true,
                Comparison = new ComparisonSettings { LatencyRuns = parse.GetValue(runs), Progress = ValidationRenderer.Progress(console), State = StatePairs.Parse(parse.GetValue(state) ?? []),
                    Outputs = UsedOutputs.Parse(parse.GetValue(usedOutputs) ?? []).Names, Kinds = OutputKinds.Parse(parse.GetValue(outputKinds) ?? []) },
            };
            var set = budgets.Read(parse);
            var report = BudgetValidator.Validate(Load(a), Load(b), set, settings);
            var run = RunReportBuilder.From(report, ReportOptions.Context("validate", new ReportSettings
            {
                Data = settings.DataPath,
                Labels = settings.LabelsPath,
                Samples = settings.SampleLimit,
                LatencyRuns = settings.Comparison.LatencyRuns,
                Shapes = parse.GetValue(shape) is { Length: > 0 } bound ? bound : null,
                Budgets = RunReportBuilder.Budgets(set),
            }));
            ValidationRenderer.Render(console, run);
            foreach (var warning in report.Warnings) console.Error.WriteLine(warning.ToString());
            ReportOptions.Write(console, run, reports.Read(parse));
            return Finish(console, report, b);
        }));
        return command;
    }

    internal static ModelUnderTest Load(string path) => new(ModelLoader.Load(path), path, FileLength.Of(path), path);

    internal static int Finish(ToolConsole console, ValidationReport report, string file)
    {
        if (report.AllKept) return ExitCodes.Success;
        foreach (var v in report.Broken)
            console.Error.WriteLine(new ModelOptException(ErrorCode.BudgetBroken, file, v.Message()).ToString());
        return ExitCodes.BudgetBroken;
    }
}
