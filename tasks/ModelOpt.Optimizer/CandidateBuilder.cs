using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer;

/// <summary>A model rewritten by a list of passes, with what each pass did.</summary>
public sealed record Candidate(Model Model, IReadOnlyList<PassReport> Reports, IReadOnlyList<string> Notes, IReadOnlyList<RequiredCheck> RequiredChecks)
{
    /// <summary>Static int8 as the quantize pass computed it (or replayed it); null when nothing was statically quantized.</summary>
    public Engine.Plan.QuantizationPlan? Quantization { get; init; }

    /// <summary>What the passes chose per node that a replay must choose the same (kept channels, ranks).</summary>
    public IReadOnlyList<Engine.Plan.NodeDecision> Decisions { get; init; } = [];
}

/// <summary>
/// Loads a model fresh and runs passes on it: the one way both the optimization run and each trial
/// of the accuracy-aware search make a candidate, so what the search measured is what gets written.
/// </summary>
public static class CandidateBuilder
{
    /// <param name="beforePass">Called with the model as each pass is about to receive it.</param>
    /// <param name="recorded">Static int8 as a lock recorded it, replayed instead of calibrated; <paramref name="recordedSource"/> names the lock.</param>
    public static Candidate Build(string modelPath, OptimizeConfig config, IReadOnlyList<IPass> passes, ShapeBindings bindings, IActivationSource? calibration,
        Action<IPass, Model>? beforePass = null, Engine.Plan.QuantizationPlan? recorded = null, string? recordedSource = null)
    {
        var model = ModelLoader.Load(modelPath);
        config.CheckAgainst(model);
        var notes = new List<string>();
        // Passes add constants, which an IR-3 model would have to list as inputs for ONNX Runtime to load it.
        if (passes.Count > 0 && model.IrVersion < 4 && Engine.Opsets.IrVersions.Raise(model) is var unlisted)
            notes.Add($"IR version 3 raised to 4{(unlisted > 0 ? $": its {unlisted} weights are no longer listed as graph inputs (IR 3 required it), so they stay constants" : "")}");
        if (config.UsedOutputs.Apply(model) is { Count: > 0 } dropped)
            notes.Add($"usedOutputs: removed the output(s) {string.Join(", ", dropped)} and what only they needed ({model.Graph.NodeCount} nodes left)");
        notes.AddRange(ShapeInference.Run(model, bindings, new RuntimeShapeProvider()).Notes);
        var context = new PassContext(modelPath)
        {
            Config = config, Calibration = calibration, ConstantEvaluator = new OrtConstantEvaluator(), Bindings = bindings,
            RecordedQuantization = recorded, RecordedSource = recordedSource,
        };
        var reports = new PassPipeline(passes, OptimizeJob.Figures(bindings)) { BeforeEach = beforePass }.Run(model, context);
        notes.AddRange(context.Notes);
        return new Candidate(model, reports, notes, context.RequiredChecks) { Quantization = context.Quantization, Decisions = context.Decisions };
    }
}
