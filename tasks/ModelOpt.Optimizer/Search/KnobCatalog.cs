using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Shapes;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The knobs of the passes a search runs, as each pass declares them (<see cref="IKnobProvider"/>):
/// this class knows no pass by name. It only decides on which model each pass lists them: the
/// model after the passes that keep outputs (freeze) and before any knob pass, as the trial
/// pipeline hands it to them.
/// </summary>
public static class KnobCatalog
{
    /// <summary>The passes of <paramref name="registry"/> that declare knobs, in the registry's order.</summary>
    public static IReadOnlyList<IKnobProvider> Providers(PassRegistry registry) => registry.All().OfType<IKnobProvider>().ToList();

    /// <summary>For each knob pass among <paramref name="passes"/>: its knobs, listed on a copy of <paramref name="prepared"/> the pass may have rewritten as it would.</summary>
    public static IReadOnlyList<(IKnobProvider Pass, Model Model, IReadOnlyList<LayerKnob> Knobs)> For(Model prepared, OptimizeConfig config, IReadOnlyList<IPass> passes, ShapeBindings bindings, string modelPath)
    {
        return For(passes.OfType<IKnobProvider>().Select(p => (p, prepared)).ToList(), config, bindings, modelPath);
    }

    /// <summary>For each knob pass: its knobs, listed on a copy of the model that pass receives (<paramref name="stages"/>).</summary>
    public static IReadOnlyList<(IKnobProvider Pass, Model Model, IReadOnlyList<LayerKnob> Knobs)> For(IReadOnlyList<(IKnobProvider Pass, Model Received)> stages, OptimizeConfig config, ShapeBindings bindings, string modelPath)
    {
        var result = new List<(IKnobProvider, Model, IReadOnlyList<LayerKnob>)>();
        foreach (var (provider, received) in stages)
        {
            var copy = Engine.IO.ModelCopy.Of(received);
            var context = new PassContext(modelPath) { Config = config, Bindings = bindings };
            result.Add((provider, copy, provider.Knobs(copy, context)));
        }
        return result;
    }
}
