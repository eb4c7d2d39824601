using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Opsets;

/// <summary>
/// IR versions a rewrite may need. IR 3 required every initializer to be listed among the graph's
/// inputs: a constant a pass adds (a folded weight, a quantization scale) that is not listed makes
/// ONNX Runtime refuse the model. From IR 4 an initializer need not be an input, and one that still
/// is becomes an input the caller may override, which ONNX Runtime then neither folds nor fuses.
/// </summary>
public static class IrVersions
{
    /// <summary>The IR version released with each opset (ONNX 1.4: opset 9 and IR 4, …, 1.8: opset 13 and IR 7).</summary>
    public static long For(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        _ => 7,
    };

    /// <summary>
    /// Raises an IR-3 model to <paramref name="irVersion"/> (at least 4): its initializers stop being
    /// listed as graph inputs, so they stay the constants they were under IR 3. Returns how many were
    /// unlisted; 0 (and nothing changed) for a model already at IR 4 or later, whose IR is only raised.
    /// </summary>
    public static int Raise(Model model, long irVersion = 4)
    {
        irVersion = Math.Max(irVersion, 4);
        if (model.Template.IrVersion >= irVersion) return 0;
        int unlisted = 0;
        if (model.Template.IrVersion < 4)
        {
            foreach (var graph in OpsetConverter.Graphs(model.Graph))
                foreach (var input in graph.Inputs.Where(v => v.Initializer is not null).ToList())
                {
                    graph.UnlistInitializerInput(input);
                    unlisted++;
                }
        }
        model.Template.IrVersion = irVersion;
        return unlisted;
    }
}
