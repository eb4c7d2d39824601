using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// <c>fp16</c>: stores float32 weights (initializers and Constant nodes) in float16 and computes in
/// float16, except for blocked op types, which stay float32 behind Casts. The model keeps its
/// float32 inputs and outputs unless <c>keepIoTypes</c> is false. A size win; on ONNX Runtime's
/// x86 CPU provider, which lacks float16 kernels for most ops, not a speed win (docs/config.md).
/// </summary>
public sealed class Fp16Pass : IPass
{
    public const string PassName = "fp16";

    public string Name => PassName;

    public Type SettingsType => typeof(Fp16Settings);

    public string Description => "Store weights and compute in float16 (I/O types kept, overflow-prone ops kept in float32 behind Casts).";

    public PassOutcome Run(Model model, PassContext context)
    {
        var settings = context.Settings<Fp16Settings>(PassName);

        var conversion = new Fp16Conversion(model.Graph, settings, node => context.SettingsFor(PassName, node) is null);
        conversion.Run();
        int castsRemoved = CastCascade.Run(model.Graph);

        var notes = new List<string>
        {
            $"{conversion.ConstantsConverted} constant(s) stored in float16, {conversion.NodesConverted} node(s) compute in float16",
            $"{conversion.CastsInserted} Cast(s) inserted, {castsRemoved} redundant Cast(s) removed",
        };
        if (conversion.ValuesClamped > 0)
            notes.Add($"{conversion.ValuesClamped} weight value(s) beyond ±65504 clamped to the float16 range");
        notes.AddRange(conversion.KeptSummary);
        if (model.Graph.Nodes.Any(n => n.Subgraphs.Count > 0))
            notes.Add("subgraphs (If/Loop/Scan bodies) are left in float32");
        bool changed = conversion.ConstantsConverted + conversion.NodesConverted + castsRemoved > 0;
        return new PassOutcome(changed, conversion.NodesConverted + castsRemoved, notes);
    }
}
