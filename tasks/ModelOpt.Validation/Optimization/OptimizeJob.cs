using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation.Optimization;

/// <summary>
/// One optimization run, start to finish: load the model, read the config, infer shapes, run the
/// passes (with calibration data when a pass needs it), check the result still loads and runs in
/// ONNX Runtime, and only then write it atomically. The source model is never modified.
/// </summary>
public static class OptimizeJob
{
    public static OptimizeResult Run(OptimizeOptions options, PassRegistry? registry = null)
    {
        registry ??= PassRegistry.Default;
        var notes = new List<string>();
        var config = options.ConfigPath is null ? OptimizeConfig.Empty : OptimizeConfig.Load(options.ConfigPath);
        config.CheckPassNames(registry.Names);
        var passNames = options.Passes ?? config.Passes;
        var passes = registry.Parse(string.Join(',', passNames));

        var model = ModelLoader.Load(options.ModelPath);
        config.CheckAgainst(model);
        var bindings = ShapeBindings.Parse(options.Shapes);
        var shapes = ShapeInference.Run(model, bindings, new RuntimeShapeProvider());
        notes.AddRange(shapes.Notes);

        using var samples = passes.Any(p => p.Needs.HasFlag(PassNeeds.Calibration)) ? OpenCalibration(options, config, model, notes) : null;
        var context = new PassContext(options.ModelPath)
        {
            Config = config,
            Calibration = samples is null ? null : new OrtActivationSource(samples),
            ConstantEvaluator = new OrtConstantEvaluator(),
        };

        var measure = Figures(bindings);
        var reports = new PassPipeline(passes, measure).Run(model, context);
        notes.AddRange(context.Notes);
        var before = reports.Count > 0 ? reports[0].Before : measure(model);
        var after = reports.Count > 0 ? reports[^1].After : before;

        if (passes.Count > 0) CheckRuns(model, options, passes);
        EnforceRequiredChecks(context, options, model, notes);
        ModelWriter.Save(model, options.OutputPath);
        return new OptimizeResult(options.ModelPath, options.OutputPath, reports, before, after,
            new FileInfo(options.ModelPath).Length, new FileInfo(options.OutputPath).Length, context.Calibration?.Description, notes);
    }

    /// <summary>Nodes, parameters and FLOPs of the model as it is, from the cost model.</summary>
    public static Func<Model, ModelFigures> Figures(ShapeBindings bindings) => model =>
    {
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { Bindings = bindings, DeviceFlops = 1e9 });
        bool complete = report.UnknownOps.Count == 0 && report.Nodes.All(n => n.Flops is not null);
        return new ModelFigures(report.Nodes.Count, report.Totals.Parameters, complete ? report.Totals.Flops : null);
    };

    private static SampleSet OpenCalibration(OptimizeOptions options, OptimizeConfig config, Model model, List<string> notes)
    {
        int count = options.CalibrationSamples ?? config.Calibration?.Samples ?? CalibrationConfig.DefaultSamples;
        string? folder = options.DataPath ?? config.Calibration?.Data;
        if (folder is null && SampleSet.FindBeside(options.ModelPath) is { } beside)
        {
            folder = beside;
            notes.Add($"calibration: using the samples beside the model in {beside}.");
        }
        if (folder is not null) return SampleSet.FromFolder(folder, model, count);
        bool pages = config.Calibration?.Synthetic == SyntheticKind.Pages;
        notes.Add($"calibration: no data given, using {count} seeded synthetic {(pages ? "page images" : "samples")} — real data (--data DIR) calibrates far better.");
        var shapes = model.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true }).ToDictionary(v => v.Name, v => v.Shape!);
        return pages ? SampleSet.SyntheticDocuments(model, count, options.Seed, shapes) : SampleSet.Synthetic(model, count, options.Seed, shapes);
    }

    // Checks passes asked for but cannot make themselves: int8 that runs slower than the original
    // float model is refused (the trap the Python quantizers' users keep falling into).
    private static void EnforceRequiredChecks(PassContext context, OptimizeOptions options, Model model, List<string> notes)
    {
        var speed = context.RequiredChecks.Where(c => c.Kind == RequiredCheckKind.FasterThanOriginal).ToList();
        if (speed.Count == 0) return;
        var original = ModelLoader.Load(options.ModelPath);
        ShapeInference.Run(original, ShapeBindings.Parse(options.Shapes));
        var shapes = original.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true }).ToDictionary(v => v.Name, v => v.Shape!);
        var result = QuantizationSpeedCheck.Measure(original, model, SyntheticInputs.For(original, shapes, options.Seed));
        notes.Add($"speed check: {result}");
        QuantizationSpeedCheck.Enforce(result, speed.All(c => c.Waived), options.ModelPath);
    }

    // A pass bug must never reach the user's build as a model ONNX Runtime refuses.
    private static void CheckRuns(Model model, OptimizeOptions options, IReadOnlyList<IPass> passes)
    {
        try
        {
            var shapes = model.Graph.Inputs.Where(v => v.Initializer is null && v.Shape is { IsFullyKnown: true }).ToDictionary(v => v.Name, v => v.Shape!);
            using var runner = OrtModelRunner.FromModel(model);
            runner.Run(SyntheticInputs.For(model, shapes, options.Seed));
        }
        catch (ModelOptException e) when (e.Code == ErrorCode.RuntimeFailed)
        {
            throw new ModelOptException(ErrorCode.RuntimeFailed, options.ModelPath,
                $"the model rewritten by {string.Join(", ", passes.Select(p => p.Name))} does not run in ONNX Runtime, so nothing was written: {e.Message}", e);
        }
    }
}
