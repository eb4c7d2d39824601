using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer.Search;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer.Advice;

/// <summary>
/// One what-if line of <c>analyze --advise</c>: a technique on a layer, what it saves per sample
/// (MACs, and the time the cost model's device speed gives them; int8 keeps the MACs, so only a run
/// measures its gain) and what it costs in fidelity: the layer's own 1/SQNR from the sensitivity
/// profile, known only when real data was given.
/// </summary>
public sealed record AdviceRow(string Layer, string Pass, string Setting, long LayerMacs, long MacsSaved, double? SecondsSaved, double? Harm, double HarmPerSaving);

/// <summary>The advice table and where its fidelity figures come from.</summary>
public sealed record AdviceReport(IReadOnlyList<AdviceRow> Rows, string Source, bool RealData, TimeSpan Elapsed);

/// <summary>
/// What each technique would save and cost on each layer, from the same knobs and sensitivity
/// profile the search ranks by (<see cref="SensitivityProfile"/>): the table a person reads before
/// choosing passes.
/// </summary>
public static class Advisor
{
    public static AdviceReport For(string modelPath, ShapeBindings bindings, string? dataFolder, int samples, double deviceFlops, int seed = 0)
    {
        var registry = PassRegistry.Default;
        // As the search sees it: BatchNormalization folded, constants folded.
        var prepared = CandidateBuilder.Build(modelPath, OptimizeConfig.Empty, registry.Parse(FreezePass.PassName), bindings, null).Model;
        var sets = KnobCatalog.For(prepared, OptimizeConfig.Empty, KnobCatalog.Providers(registry).Cast<IPass>().ToList(), bindings, modelPath);
        var shapes = bindings.Shapes.ToDictionary(kv => kv.Key, kv => TensorShape.Of(kv.Value));
        using var set = dataFolder is not null ? SampleSet.FromFolder(dataFolder, prepared, samples) : SampleSet.Synthetic(prepared, samples, seed, shapes);
        var profile = SensitivityProfile.Measure(sets.Select(s => new SensitivityProfile.KnobSet(s.Pass.Saves, s.Model, s.Knobs)).ToList(), new OrtActivationSource(set), seed);
        bool real = dataFolder is not null;
        var rows = new List<AdviceRow>();
        foreach (var saves in new[] { KnobSaving.Macs, KnobSaving.Time })
            foreach (var move in profile.Ranked(saves))
            {
                var knob = move.Knob;
                var step = knob.Steps[move.Step];
                long saved = saves == KnobSaving.Macs ? (long)step.Saving : 0;
                rows.Add(new AdviceRow(knob.Knob.Node, knob.Knob.Pass, step.Label, knob.MacsPerSample, saved,
                    saves == KnobSaving.Macs ? 2.0 * saved / deviceFlops : null, real ? step.Harm : null, move.HarmPerSaving));
            }
        return new AdviceReport(rows, profile.Source, real, profile.Elapsed);
    }
}
