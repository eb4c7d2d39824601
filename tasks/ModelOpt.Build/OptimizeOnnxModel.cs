using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Validation.Budgets;
using ModelOpt.Optimizer;
using ModelOpt.Optimizer.Reports;
using ModelOpt.Validation;

namespace ModelOpt.Build;

/// <summary>
/// Optimizes each <c>OnnxModel</c> item with <see cref="OptimizeJob"/> (the engine entry the tool's
/// <c>optimize</c> command calls too) and writes the model and its report to the item's
/// <c>OptimizedPath</c> / <c>ReportPath</c>. Runs in-proc: MSBuild loads this assembly into its own
/// load context with its .deps.json, which resolves Google.Protobuf, ONNX Runtime and ONNX Runtime's
/// native library from the package's tasks/ folder without touching the consumer's versions.
/// Errors are logged as <c>MOPT####</c> on the file they concern (the model, unless a config or data
/// file is at fault), one <c>MOPT4001</c> per broken budget, warnings as <c>MOPT5###</c>. Nothing is
/// left for a model that failed — a warning the build treats as an error included — and what an
/// earlier build wrote for it (in obj/, the output and the publish folder) is deleted, so the app
/// never runs a model the build just rejected and the next build cannot take it as up to date.
/// </summary>
public sealed class OptimizeOnnxModel : Microsoft.Build.Utilities.Task
{
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>Relative item paths and metadata paths are resolved against this folder.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>The project (its full path): errors in inline <c>PassSettings</c> metadata are reported on it.</summary>
    public string ProjectFile { get; set; } = "";

    /// <summary><c>$(OutDir)</c>: where the build copies each model (its <c>_RelativePath</c> metadata below it); the log names that copy.</summary>
    public string OutputDirectory { get; set; } = "";

    /// <summary><c>$(PublishDir)</c>: a failed model's copy there is deleted too.</summary>
    public string PublishDirectory { get; set; } = "";

    /// <summary><c>$(MSBuildWarningsNotAsErrors);$(MSBuildWarningsAsMessages)</c>: codes the project keeps from becoming errors.</summary>
    public string WarningsNotAsErrors { get; set; } = "";

    /// <summary><c>$(ModelOptAllowedMetadata)</c>: metadata names of the project's own on <c>OnnxModel</c> items, not flagged as unknown.</summary>
    public string AllowedMetadata { get; set; } = "";

    /// <summary>The optimized models written, with the source item's metadata.</summary>
    [Output]
    public ITaskItem[] OptimizedModels { get; private set; } = [];

    public override bool Execute()
    {
        var written = new List<ITaskItem>();
        foreach (var item in Models)
        {
            if (Optimize(item) is { } optimized) written.Add(optimized);
        }
        OptimizedModels = written.ToArray();
        // A warning MSBuild promoted to an error failed the build even where the logging helper does not count it.
        return !Log.HasLoggedErrors && !_failedOnWarnings;
    }

    private bool _failedOnWarnings;

    private ITaskItem? Optimize(ITaskItem item)
    {
        string modelPath = Path.GetFullPath(Path.Combine(ProjectDirectory, item.ItemSpec));
        string? output = null, report = null;
        try
        {
            // A misspelt attribute is a setting the user believes in but the build never sees: every one is an error.
            var unknown = ItemMetadata.Unknown(item, PromotedWarnings.Codes(AllowedMetadata)).ToList();
            foreach (var problem in unknown) LogError(ErrorCode.InvalidArgument, modelPath, problem);
            var options = ModelItemSettings.ToOptions(item, ProjectDirectory, ProjectFile.Length > 0 ? ProjectFile : null) with
            {
                // Search progress at the default verbosity: a search runs for minutes, and a build that says nothing looks hung.
                FrontEnd = FrontEnd.MSBuild,
                SearchProgress = line => Log.LogMessage(MessageImportance.High, $"ModelOpt: {item.ItemSpec}: {line}"),
            };
            if (unknown.Count > 0)
            {
                DeleteOutputs(item, options.OutputPath, ReportPath(item, options.OutputPath));
                return null;
            }
            output = options.OutputPath;
            report = ReportPath(item, options.OutputPath);
            Directory.CreateDirectory(Path.GetDirectoryName(options.OutputPath)!);
            var result = OptimizeJob.Run(options);
            foreach (var pass in result.Passes)
                foreach (var note in pass.Notes) Log.LogMessage(MessageImportance.Low, $"{item.ItemSpec}: {pass.Pass}: {note}");
            foreach (var note in result.Notes) Log.LogMessage(MessageImportance.Low, $"{item.ItemSpec}: {note}");
            foreach (var warning in result.Warnings)
                Log.LogWarning(subcategory: "ModelOpt", warningCode: warning.Code.Text(), helpKeyword: warning.Code.Text(), file: warning.File ?? modelPath,
                    lineNumber: 0, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: warning.Message);
            if (FailedOnWarnings(result))
            {
                _failedOnWarnings = true;
                DeleteOutputs(item, output, report);
                return null;
            }
            RunReportJson.Write(BuildReport(item, options, result), report);
            if (result.Validation is { } validation)
                foreach (var verdict in validation.Verdicts) Log.LogMessage(MessageImportance.Normal, $"{item.ItemSpec}: {verdict.Message(FrontEnd.MSBuild)}");
            Log.LogMessage(MessageImportance.High, Summary(item.ItemSpec, result, DisplayPath(CopyInOutput(item) ?? options.OutputPath)));
            if (result.Validation?.Comparison is { Samples: > 0 } compared) Log.LogMessage(MessageImportance.High, $"ModelOpt: {item.ItemSpec}: {compared.Summary()}");

            var optimized = new TaskItem(options.OutputPath);
            item.CopyMetadataTo(optimized);
            optimized.SetMetadata("ReportPath", report);
            return optimized;
        }
        catch (BudgetBrokenException e) when (e.Report is { } broken)
        {
            // One error per broken budget, budget first, so each reads on its own in an IDE's error list or a CI annotation.
            foreach (var verdict in broken.Broken)
                LogError(ErrorCode.BudgetBroken, e.File ?? modelPath, $"{verdict.Headline(FrontEnd.MSBuild)} ({verdict.Detail()}); the optimized model was not written.");
        }
        catch (ModelOptException e)
        {
            // A config or data file at fault is the better place to point at (at its line, for a
            // config); otherwise the model. Every error of a config file is its own MSBuild error.
            // Inline PassSettings errors sit on the project file, which may hold several models.
            foreach (var error in e.Errors)
                LogError(error.Code, error.File ?? modelPath, error.File is { } file && file == ProjectFile ? $"{error.Message} (PassSettings of {item.ItemSpec})" : error.Message, error.Line, error.Column);
        }
        catch (Exception e)
        {
            // A bug, not the user's mistake: still one error on the model (not MSBuild's MSB4018
            // task crash), with what is needed to report it.
            LogError(ErrorCode.InternalError, modelPath, $"ModelOpt failed unexpectedly while optimizing this model ({e.GetType().Name}: {e.Message}); this is a bug, please report it with the model's settings. {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
        DeleteOutputs(item, output, report);
        return null;
    }

    // MSBuild turns a warning into an error on -warnaserror, WarningsAsErrors or MSBuildTreatWarningsAsErrors;
    // the model it warned about must then go like any failed model's.
    private bool FailedOnWarnings(OptimizeResult result)
    {
        string[] kept = PromotedWarnings.Codes(WarningsNotAsErrors);
        return result.Warnings.Any(w => PromotedWarnings.IsError(BuildEngine, w.Code.Text(), kept));
    }

    private RunReport BuildReport(ITaskItem item, OptimizeOptions options, OptimizeResult result) =>
        RunReportBuilder.From(result, new ReportContext
        {
            Command = "build",
            BaseDirectory = ProjectDirectory,
            Settings = RunReportBuilder.Settings(options, ProjectDirectory),
            CandidatePath = CopyInOutput(item),
        });

    // The model and report in obj/, and their copies in the output and publish folders.
    private void DeleteOutputs(ITaskItem item, string? output, string? report)
    {
        output ??= Resolve(item.GetMetadata("OptimizedPath"));
        report ??= output is null ? null : ReportPath(item, output);
        string[] relative = [item.GetMetadata("_RelativePath"), item.GetMetadata("_RelativeReportPath")];
        var copies = new[] { OutputDirectory, PublishDirectory }.Where(d => d.Length > 0)
            .SelectMany(folder => relative.Where(r => r.Length > 0).Select(r => Resolve(Path.Combine(folder, r))));
        foreach (var path in new[] { output, report }.Concat(copies)) DeleteStale(path);
    }

    private string? CopyInOutput(ITaskItem item) =>
        OutputDirectory.Length > 0 && item.GetMetadata("_RelativePath") is { Length: > 0 } relative ? Resolve(Path.Combine(OutputDirectory, relative)) : null;

    private string? Resolve(string path) => path.Length == 0 ? null : Path.GetFullPath(Path.Combine(ProjectDirectory, path));

    // Relative to the project, as MSBuild shows paths: bin/Debug/net10.0/Models/net.onnx.
    private string DisplayPath(string path) => Path.GetRelativePath(ProjectDirectory, path).Replace('\\', '/');

    private void LogError(ErrorCode code, string file, string message, int line = 0, int column = 0) =>
        Log.LogError(subcategory: "ModelOpt", errorCode: code.Text(), helpKeyword: code.Text(), file: file,
            lineNumber: line, columnNumber: column, endLineNumber: 0, endColumnNumber: 0, message: message);

    private static void DeleteStale(string? path)
    {
        if (path is not null && File.Exists(path)) File.Delete(path);
    }

    private string ReportPath(ITaskItem item, string output) =>
        item.GetMetadata("ReportPath") is { Length: > 0 } report ? Path.GetFullPath(Path.Combine(ProjectDirectory, report)) : RunReportJson.PathBeside(output);

    private static string Summary(string model, OptimizeResult result, string destination)
    {
        string passes = result.PassSummary();
        string flops = result.Before.Flops is long b && result.After.Flops is long a ? $", FLOPs {b:N0} -> {a:N0} ({ReportNumbers.Change(b, a, times: "x")})" : "";
        return $"ModelOpt: {model} -> {destination} (passes: {passes}; {result.SourceBytes:N0} -> {result.OutputBytes:N0} bytes{flops})";
    }
}
