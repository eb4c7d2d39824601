using System.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>The figures the pipeline records before and after each pass.</summary>
public sealed record ModelFigures(int Nodes, long Parameters, long? Flops);

/// <summary>What one pass did, as the report shows it.</summary>
public sealed record PassReport(
    string Pass,
    bool Changed,
    int NodesTouched,
    int RemovedByCleanup,
    ModelFigures Before,
    ModelFigures After,
    TimeSpan Duration,
    IReadOnlyList<string> Notes)
{
    /// <summary>Why the pass could not run on the model (<see cref="PassOutcome.Skipped"/>); null when it ran.</summary>
    public string? Skipped { get; init; }

    /// <summary>Whether the pass ran and changed the model: what a summary may list as applied.</summary>
    public bool Applied => Changed && Skipped is null;
}

/// <summary>
/// Runs passes in order; after each one, <see cref="GraphCleanup"/> tidies and checks the graph.
/// </summary>
public sealed class PassPipeline
{
    private readonly IReadOnlyList<IPass> _passes;
    private readonly Func<Model, ModelFigures> _measure;

    /// <param name="measure">
    /// Computes the figures recorded around each pass; by default node and parameter counts only
    /// (the tool passes one that runs the cost model so reports show FLOPs too).
    /// </param>
    public PassPipeline(IReadOnlyList<IPass> passes, Func<Model, ModelFigures>? measure = null)
    {
        _passes = passes;
        _measure = measure ?? CountOnly;
    }

    /// <summary>Called with the model as each pass is about to receive it (the search lists a pass's knobs there).</summary>
    public Action<IPass, Model>? BeforeEach { get; init; }

    public IReadOnlyList<PassReport> Run(Model model, PassContext context)
    {
        var reports = new List<PassReport>(_passes.Count);
        bool teacherNeeded = _passes.Any(p => p.NeedsTeacher);
        foreach (var pass in _passes)
        {
            // The teacher is the model just before the first lossy pass: lossless passes (freeze) may
            // rename or fold values, and the teacher should already share their names.
            if (teacherNeeded && context.Teacher is null && !pass.PreservesOutputs) context.Teacher = ModelCopy.Of(model);
            BeforeEach?.Invoke(pass, model);
            var before = _measure(model);
            var clock = Stopwatch.StartNew();
            var outcome = pass.Run(model, context);
            int removed = GraphCleanup.Run(model, pass.Name);
            clock.Stop();
            reports.Add(new PassReport(pass.Name, outcome.Changed || removed > 0, outcome.NodesTouched, removed, before, _measure(model), clock.Elapsed, outcome.Notes) { Skipped = outcome.Skipped });
        }
        return reports;
    }

    public static ModelFigures CountOnly(Model model) =>
        new(model.Graph.AllNodes().Count(), model.Graph.Initializers.Sum(v => v.Initializer!.ElementCount), null);
}
