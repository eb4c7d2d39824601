using System.CommandLine;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Tool.Output;
using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// <c>dotnet model-opt optimize MODEL -o OUT [--passes LIST | --config modelopt.json] [budgets...] [--search]</c>.
/// With <c>--passes none</c> the model is re-serialized through the engine (load → IR → save), losslessly.
/// A broken budget writes nothing and exits 1.
/// </summary>
internal static class OptimizeCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to optimize (never modified)." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the optimized model (written atomically, only if every check and budget passes).", Required = true };
        var passes = new Option<string?>("--passes") { Description = $"Comma-separated passes, run in order: {string.Join(", ", PassRegistry.Default.Names)}; 'none' re-serializes the model unchanged. Default: the config's list; if that is empty too, with --data, the automatic plan (every pass that may pay, tried under the fidelity floor and timed; docs/validation.md), else none." };
        var config = new Option<string?>("--config") { Description = "A modelopt.json with passes, their settings, per-node overrides and budgets (docs/config.md)." };
        var passSettings = new Option<string?>("--pass-settings") { Description = "Pass settings as inline JSON, laid over the config's key by key, e.g. --pass-settings '{\"quantize\": {\"allowSlower\": true}}' (docs/config.md)." };
        var data = new Option<string?>("--data") { Description = "Folder of samples (.npy/.pb) for calibration and validation; default: the config's, else NAME.samples/ beside the model, else synthetic." };
        var labels = new Option<string?>("--labels") { Description = "Class-index labels for the validation samples; default: labels.* in the sample folder." };
        var samples = new Option<int?>("--calibration-samples") { Description = "How many calibration samples to use (default 64)." };
        var shape = new Option<string[]>("--shape") { Description = "Bind a dynamic input shape, e.g. --shape x=1x3x640x640 (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var value = ValueOption.Create();
        var state = ValueOption.CreateState();
        var usedOutputs = ValueOption.CreateUsedOutputs();
        var outputKinds = ValueOption.CreateOutputKinds();
        var search = new Option<bool>("--search") { Description = "Accuracy-aware search: the most aggressive per-layer ranks that keep every budget (needs an output budget such as --max-accuracy-drop)." };
        var searchTime = new Option<int>("--search-time") { Description = "Seconds the search may take; then the best settings found so far are used.", DefaultValueFactory = _ => (int)OptimizeOptions.DefaultSearchTime.TotalSeconds };
        var seed = new Option<int>("--seed") { Description = "Seed for synthetic samples; the search is deterministic for a given seed and data." };
        var noFloor = new Option<bool>("--no-fidelity-floor") { Description = $"Write the model without the default fidelity floor, which applies when no output budget is set: accuracy drop at most {FidelityFloor.MaxAccuracyDropPoints:0} point with labels, else cosine at least {FidelityFloor.MinCosine} against the original (docs/validation.md)." };
        var lockFile = new Option<string?>("--lock") { Description = "The plan's lock file, read and written whatever the run decided: with no value MODEL.modelopt.lock.json beside the model, else the path given. By default that file is replayed when it matches the model, settings and data (no search, no calibration), and written when the run decided something a build would decide again (a search, the automatic plan, a pass that calibrates); commit it (docs/config.md).", Arity = ArgumentArity.ZeroOrOne };
        var noLock = new Option<bool>("--no-lock") { Description = "Neither read nor write a lock file: every run chooses its plan again." };
        var locked = new Option<bool>("--locked") { Description = "Locked mode, for CI: a missing or stale lock file is an error naming what changed, never a new search." };
        var deployCpu = new Option<string?>("--deploy-cpu") { Description = $"The CPU the model will run on: {string.Join(", ", Engine.Plan.DeployCpus.Names)} (default portable). Int8 weights follow it, not the build machine's CPU." };
        deployCpu.AcceptOnlyFromAmong([.. Engine.Plan.DeployCpus.Names]);
        var budgets = new BudgetOptions();
        var reports = new ReportOptions("--json", "--report");
        var runtime = new RuntimeOptions(console);
        var command = new Command("optimize", "Rewrite a model with the given passes, check it in ONNX Runtime and against budgets, and write it.\n\nExamples:\n  dotnet model-opt optimize model.onnx -o out/model.onnx --data samples/\n  dotnet model-opt optimize model.onnx -o out/model.onnx --passes freeze,separable\n  dotnet model-opt optimize model.onnx -o out/model.onnx --config modelopt.json --data calib/\n  dotnet model-opt optimize model.onnx -o out/model.onnx --search --max-accuracy-drop 0.5 --min-flop-reduction 2 --markdown summary.md")
        {
            model, output, passes, config, passSettings, data, labels, samples, shape, value, state, usedOutputs, outputKinds, search, searchTime, seed, noFloor, lockFile, noLock, locked, deployCpu,
        };
        budgets.AddTo(command);
        runtime.AddTo(command);
        reports.AddTo(command);
        command.SetAction(parse => ToolCli.Guard(console, () =>
        {
            return Run(console, new OptimizeOptions
            {
                ModelPath = parse.GetValue(model)!,
                OutputPath = parse.GetValue(output)!,
                Passes = parse.GetValue(passes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                ConfigPath = parse.GetValue(config),
                PassSettings = parse.GetValue(passSettings),
                DataPath = parse.GetValue(data),
                LabelsPath = parse.GetValue(labels),
                CalibrationSamples = parse.GetValue(samples),
                Shapes = parse.GetValue(shape) ?? [],
                Values = parse.GetValue(value) ?? [],
                State = parse.GetValue(state) ?? [],
                UsedOutputs = parse.GetValue(usedOutputs) ?? [],
                OutputKinds = parse.GetValue(outputKinds) ?? [],
                Seed = parse.GetValue(seed),
                Budgets = budgets.Read(parse),
                Runtime = runtime.Read(parse),
                Search = parse.GetValue(search),
                LockPath = parse.GetValue(lockFile),
                Lock = parse.GetValue(noLock) ? LockUse.Off : parse.GetResult(lockFile) is not null ? LockUse.On : LockUse.Auto,
                Locked = parse.GetValue(locked),
                DeployCpu = Engine.Plan.DeployCpus.Parse(parse.GetValue(deployCpu)),
                FidelityFloor = parse.GetValue(noFloor) ? false : null,
                SearchTime = TimeSpan.FromSeconds(parse.GetValue(searchTime)),
                Progress = ValidationRenderer.Progress(console),
                SearchProgress = ValidationRenderer.SearchProgress(console),
            }, reports.Read(parse));
        }));
        return command;
    }

    internal static int Run(ToolConsole console, OptimizeOptions options, ReportOptions.Paths? reportPaths = null)
    {
        options.Check(OptionName);
        // Redirected, the search's lines were written as they came: not again.
        bool streamed = options.SearchProgress is not null && ValidationRenderer.SearchLogStreamed(console);
        OptimizeResult result;
        try
        {
            // A report asked for without budgets still gets the comparison with the original.
            bool wantsReport = reportPaths is { Any: true };
            result = OptimizeJob.Run(options with { Validate = options.Validate || wantsReport });
        }
        catch (BudgetBrokenException e) when (e.Report is not null)
        {
            // The CI job that failed still gets its summary.
            if (!streamed)
                foreach (var line in e.Report.SearchLog) console.WriteLine(line);
            if (e.Report.Comparison is { Samples: > 0 } compared) console.WriteLine(compared.Summary());
            ValidationRenderer.RenderVerdicts(console, e.Report);
            if (reportPaths is { Any: true })
                ReportOptions.Write(console, RunReportBuilder.From(e.Report, Context(options), options.ModelPath, options.OutputPath, written: false), reportPaths);
            throw;
        }
        if (!streamed)
            foreach (var line in result.SearchLog) console.WriteLine(line);
        OptimizeReportRenderer.Render(console, result);
        if (result.Validation is { } report)
        {
            foreach (var note in report.Notes) console.WriteLine($"note: {note}");
            if (report.Comparison is { Samples: > 0 } compared) console.WriteLine(compared.Summary());
            ValidationRenderer.RenderVerdicts(console, report);
        }
        if (reportPaths is { Any: true }) ReportOptions.Write(console, RunReportBuilder.From(result, Context(options)), reportPaths);
        return ExitCodes.Success;
    }

    private static ReportContext Context(OptimizeOptions options) =>
        ReportOptions.Context("optimize", RunReportBuilder.Settings(options, Environment.CurrentDirectory));

    // The command line's spelling of an OptimizeOptions property, for its problems.
    private static string OptionName(string property) => property switch
    {
        nameof(OptimizeOptions.CalibrationSamples) => "--calibration-samples",
        nameof(OptimizeOptions.SearchTime) => "--search-time",
        _ => property,
    };
}
