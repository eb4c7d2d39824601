using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Validation.Optimization;

/// <summary>A model rewritten by a list of passes, with what each pass did.</summary>
public sealed record Candidate(Model Model, IReadOnlyList<PassReport> Reports, IReadOnlyList<string> Notes, IReadOnlyList<RequiredCheck> RequiredChecks);

/// <summary>
/// Loads a model fresh and runs passes on it: the one way both the optimization run and each trial
/// of the accuracy-aware search make a candidate, so what the search measured is what gets written.
/// </summary>
public static class CandidateBuilder
{
    /// <param name="beforePass">Called with the model as each pass is about to receive it.</param>
    public static Candidate Build(string modelPath, OptimizeConfig config, IReadOnlyList<IPass> passes, ShapeBindings bindings, IActivationSource? calibration,
        Action<IPass, Model>? beforePass = null)
    {
        var model = ModelLoader.Load(modelPath);
        config.CheckAgainst(model);
        var notes = new List<string>();
        if (config.UsedOutputs.Apply(model) is { Count: > 0 } dropped)
            notes.Add($"usedOutputs: removed the output(s) {string.Join(", ", dropped)} and what only they needed ({model.Graph.NodeCount} nodes left)");
        notes.AddRange(ShapeInference.Run(model, bindings, new RuntimeShapeProvider()).Notes);
        var context = new PassContext(modelPath) { Config = config, Calibration = calibration, ConstantEvaluator = new OrtConstantEvaluator(), Bindings = bindings };
        var reports = new PassPipeline(passes, OptimizeJob.Figures(bindings)) { BeforeEach = beforePass }.Run(model, context);
        notes.AddRange(context.Notes);
        return new Candidate(model, reports, notes, context.RequiredChecks);
    }
}
