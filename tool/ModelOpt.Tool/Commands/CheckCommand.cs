using System.CommandLine;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Shapes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Commands;

/// <summary><c>dotnet model-opt check MODEL</c>: FLOPs, parameters, size and latency of one model against budgets, for CI.</summary>
internal static class CheckCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The model to check." };
        var runs = new Option<int>("--runs") { Description = "Timed runs for --max-latency-ms.", DefaultValueFactory = _ => 20 };
        var shape = new Option<string[]>("--shape") { Description = "Bind a dynamic input shape (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var data = new Option<string?>("--data") { Description = "Folder of samples (.npy/.pb): the dimensions the model leaves open are bound from them, and latency is measured on the first; default: MODEL.samples/ beside the model, else synthetic inputs." };
        var value = ValueOption.Create();
        var budgets = new BudgetOptions(d => !d.NeedsBaseline);
        var reports = new ReportOptions("--json", "--report");
        var runtime = new RuntimeOptions(console, memoryCap: false);
        var command = new Command("check", "Check one model's FLOPs, parameters, size and latency against budgets (no baseline needed).\n\nExamples:\n  dotnet model-opt check model.onnx --max-flops 500M --max-size 5MB --max-latency-ms 10\n  dotnet model-opt check model.onnx --max-params 5M --markdown \"$GITHUB_STEP_SUMMARY\"")
        {
            model, runs, shape, value, data,
        };
        budgets.AddTo(command);
        runtime.AddTo(command);
        reports.AddTo(command);
        command.SetAction(parse => ToolCli.Guard(console, () =>
        {
            if (parse.GetValue(runs) < 1) throw new ModelOptException(ErrorCode.InvalidArgument, null, "--runs must be at least 1.");
            string path = parse.GetValue(model)!;
            var set = budgets.Read(parse);
            var settings = new ValidationSettings { Bindings = ShapeBindings.Parse(parse.GetValue(shape) ?? [], parse.GetValue(value) ?? []), Session = runtime.Session(parse), DataPath = parse.GetValue(data) };
            int latencyRuns = set[BudgetDefinition.MaxLatencyMs] is null ? 0 : parse.GetValue(runs);
            var report = BudgetValidator.Check(ValidateCommand.Load(path), set, settings, latencyRuns);
            var run = RunReportBuilder.From(report, ReportOptions.Context("check", new ReportSettings
            {
                Data = settings.DataPath,
                LatencyRuns = latencyRuns > 0 ? latencyRuns : null,
                Shapes = parse.GetValue(shape) is { Length: > 0 } bound ? bound : null,
                Budgets = RunReportBuilder.Budgets(set),
            }));
            ValidationRenderer.Render(console, run);
            ReportOptions.Write(console, run, reports.Read(parse));
            return ValidateCommand.Finish(console, report, path);
        }));
        return command;
    }
}
