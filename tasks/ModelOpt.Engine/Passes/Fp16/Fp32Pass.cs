using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// <c>fp32</c>: the inverse of <c>fp16</c> for a model published in float16 — weights and compute
/// back in float32, the model's input and output types kept. On CPUs whose runtime lacks float16
/// kernels (ONNX Runtime's x86 provider runs most float16 ops by casting around each node) this is
/// a speed win at twice the weight bytes; the optimize job's comparison says which.
/// </summary>
public sealed class Fp32Pass : IPass
{
    public const string PassName = "fp32";

    public string Name => PassName;

    public string Description => "Compute a float16 model in float32 (constants widened, float16 Casts removed, I/O types kept).";

    public PassOutcome Run(Model model, PassContext context)
    {
        var result = Float32Widening.Run(model.Graph, out string? refusal);
        if (result is null) return PassOutcome.SkippedBecause(refusal ?? "the model cannot be widened to float32");
        if (!result.Changed) return new PassOutcome(false, 0, ["nothing to do: the model has no float16 constants or Casts"]);
        return new PassOutcome(true, result.ConstantsWidened + result.CastsRemoved, [result.Summary]);
    }
}
